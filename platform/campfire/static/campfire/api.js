// JSON calls to Campfire's API with the session cookie and Django's CSRF header.
// Every non-2xx answer becomes an ApiError carrying the status and the server's {"detail": ...};
// a network failure becomes an ApiError with status 0 so callers can tell "offline" from "refused".

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status; // 0 = the request never got an answer
    this.detail = detail;
    this.body = body;
  }
}

export async function apiFetch(path, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "Cannot reach the server", null);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail, data);
  }
  return data;
}

export const api = {
  patchNotebook: (id, body) => apiFetch(`/api/notebooks/${encodeURIComponent(id)}`, { method: "PATCH", body }),
  getNotebook: (id) => apiFetch(`/api/notebooks/${encodeURIComponent(id)}`),
  createNotebook: (body) => apiFetch("/api/notebooks", { method: "POST", body }),
  renderMarkdown: (source, attachments) =>
    apiFetch("/api/markdown", { method: "POST", body: attachments ? { source, attachments } : { source } }),
};
