// Backfill jobs through the API: start one, follow it, cancel it.
import { getJson, sendJson } from "./api";
import type { Job } from "./types";

export const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/** Queue a backfill of one symbol's window (POST /backfill answers the jobs queued). */
export async function startBackfill(symbol: string, start: string, end: string): Promise<Job> {
  const jobs = await sendJson<Job[]>("POST", "/backfill", { symbols: [symbol], start, end });
  const job = jobs[0];
  if (!job) throw new Error("the API queued no job");
  return job;
}

export function getJob(id: string): Promise<Job> {
  return getJson<Job>(`/jobs/${encodeURIComponent(id)}`);
}

export function cancelJob(id: string): Promise<Job> {
  return sendJson<Job>("DELETE", `/jobs/${encodeURIComponent(id)}`);
}

/** "running 3/10 · bars_written 1,200" */
export function jobLine(job: Job): string {
  const progress = job.total ? ` ${job.done}/${job.total}` : "";
  const counts = Object.entries(job.counts)
    .filter(([, value]) => value)
    .map(([name, value]) => `${name.replace(/_/g, " ")} ${value.toLocaleString("en-US")}`)
    .join(", ");
  return `${job.state}${progress}${counts ? ` · ${counts}` : ""}${job.error ? ` · ${job.error}` : ""}`;
}
