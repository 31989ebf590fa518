// The API token: asked for in a form when the API answers 401, kept in this tab's
// session storage (gone when the tab closes), sent as a bearer header; never in a URL.
import { h } from "./dom";

const KEY = "chronox.token";

export function currentToken(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the token lives for this page only
  }
}

let memoryToken: string | null = null;

export function token(): string | null {
  return currentToken() ?? memoryToken;
}

function keep(value: string): void {
  memoryToken = value;
  try {
    window.sessionStorage.setItem(KEY, value);
  } catch {
    // storage disabled: memoryToken holds it
  }
}

export function forgetToken(): void {
  memoryToken = null;
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
}

/** The token as a WebSocket subprotocol: base64url of its UTF-8 bytes, no padding. */
export function base64url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export class TokenRefused extends Error {}

let pending: Promise<void> | null = null;

/** Ask for a token (one form, however many requests were refused at once): resolves
 * once one is entered, rejects with TokenRefused when the form is dismissed. */
export function askToken(reason: string): Promise<void> {
  pending ??= showForm(reason).finally(() => {
    pending = null;
  });
  return pending;
}

function showForm(reason: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const hadToken = token() !== null;
    const input = h("input", {
      type: "password",
      name: "token",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      testid: "token-input",
      "aria-describedby": "token-reason",
    });
    const dialog = h(
      "dialog",
      { class: "token-dialog", testid: "token-dialog", "aria-labelledby": "token-title" },
      h(
        "form",
        { method: "dialog", testid: "token-form" },
        h("h2", { id: "token-title" }, "API token"),
        h(
          "p",
          { id: "token-reason", class: "token-reason", testid: "token-reason" },
          hadToken ? `The API refused the token: ${reason}` : `This API wants a token: ${reason}`,
        ),
        h("label", null, "Token ", input),
        h("p", { class: "hint" }, "Kept in this tab's session storage only, sent as a bearer header."),
        h(
          "div",
          { class: "buttons" },
          h("button", { type: "submit", value: "use", testid: "token-submit" }, "Use token"),
          h("button", { type: "button", value: "cancel", testid: "token-cancel", formnovalidate: true }, "Cancel"),
        ),
      ),
    );
    const cancel = dialog.querySelector<HTMLButtonElement>('[data-testid="token-cancel"]');
    cancel?.addEventListener("click", () => dialog.close("cancel"));
    dialog.addEventListener("close", () => {
      const value = input.value.trim();
      dialog.remove();
      if (dialog.returnValue === "use" && value) {
        keep(value);
        resolve();
      } else {
        reject(new TokenRefused("a token is required: reload the page to enter one"));
      }
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    input.focus();
  });
}
