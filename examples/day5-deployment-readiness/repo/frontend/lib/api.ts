const API = process.env.NEXT_PUBLIC_API_URL ?? "http://localhost:8000";

export type GraphJobStatus = {
  twin_id: string;
  job_type: "graph_extraction";
  counts: { queued: number; processing: number; complete: number; failed: number };
  last_job: string | null;
};

async function call<T>(path: string, token: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${API}${path}`, {
    ...init,
    headers: { ...init.headers, Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status}`);
  return (await res.json()) as T;
}

export const getGraphJobStatus = (twinId: string, token: string) =>
  call<GraphJobStatus>(`/twins/${twinId}/graph-job-status`, token);
