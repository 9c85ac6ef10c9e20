// The JSON API under /api, and its failures as two kinds of error.

const TIMEOUT_MS = 15000;

/** The server answered with an error status; `problem` is its problem+json body. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter; // seconds to wait before asking again (429), if said
  }

  /** Field errors, e.g. [{location: "body", field: "title", message: "..."}]. */
  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

/** No answer: the server is unreachable or too slow. */
export class NetworkError extends Error {
  constructor(cause) {
    super(cause && cause.name === "TimeoutError"
      ? "The server did not answer in time."
      : "The server cannot be reached.");
    this.name = "NetworkError";
  }
}

async function problemOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body === "object") return body;
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  return { title: response.statusText || `HTTP ${response.status}`, status: response.status };
}

// Retry-After is either a number of seconds or an HTTP date.
function retryAfterOf(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = /^\d+$/.test(value.trim())
    ? Number(value)
    : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : null;
}

// `body` goes as JSON; `file` (a File or Blob) as it is, with `contentType`.
async function send(method, path, { body, etag, file, contentType } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (file !== undefined) headers["Content-Type"] = contentType;
  if (etag) headers["If-Match"] = etag;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: file ?? (body === undefined ? undefined : JSON.stringify(body)),
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response), retryAfterOf(response));
  }
  return response;
}

// Link: <http://host/api/todos?cursor=...>; rel="next". Kept to path and query, so the
// page only ever asks its own origin, whatever host name the server put in the link.
function nextPage(link) {
  if (!link) return null;
  for (const [, target, params] of link.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(params);
    if (rel && (rel[1] ?? rel[2]).toLowerCase().split(/\s+/).includes("next")) {
      const url = new URL(target, window.location.href);
      return url.pathname + url.search;
    }
  }
  return null;
}

async function item(response) {
  return { todo: await response.json(), etag: response.headers.get("ETag") };
}

/** Every todo matching `filter`, page by page: {completed?: bool, category?: string|null,
 * due?: "today"|"overdue"|"upcoming", tz?: IANA time zone for "today", sort?: "due"}. */
export async function listTodos(filter = {}) {
  const query = new URLSearchParams();
  if (filter.completed !== undefined) query.set("completed", String(filter.completed));
  if (filter.category !== undefined) query.set("category", filter.category ?? "");
  if (filter.due !== undefined) query.set("due", filter.due);
  if (filter.tz !== undefined) query.set("tz", filter.tz);
  if (filter.sort !== undefined) query.set("sort", filter.sort);
  const search = query.toString();
  let path = search ? `/api/todos?${search}` : "/api/todos";
  const todos = [];
  while (path) {
    const response = await send("GET", path);
    todos.push(...(await response.json()));
    path = nextPage(response.headers.get("Link"));
  }
  return todos;
}

export async function listCategories() {
  return (await send("GET", "/api/categories")).json();
}

export async function getTodo(id) {
  return item(await send("GET", `/api/todos/${id}`));
}

export async function createTodo(fields) {
  return item(await send("POST", "/api/todos", { body: fields }));
}

/** Change some fields; `etag` is the version the change is based on (412 if stale). */
export async function updateTodo(id, changes, etag) {
  return item(await send("PATCH", `/api/todos/${id}`, { body: changes, etag }));
}

export async function deleteTodo(id, etag) {
  await send("DELETE", `/api/todos/${id}`, { etag });
}

const IMPORT_TYPES = { json: "application/json", csv: "text/csv" };

/** Import a JSON, CSV or todo.txt file (told apart by its name's ending; anything else is
 * todo.txt). Resolves to {created, skipped}. */
export async function importTodos(file) {
  const ending = file.name.split(".").pop().toLowerCase();
  const contentType = IMPORT_TYPES[ending] ?? "text/plain";
  return (await send("POST", "/api/todos/import", { file, contentType })).json();
}

/** Delete every completed todo; resolves to how many were deleted. */
export async function clearCompleted() {
  const response = await send("DELETE", "/api/todos?completed=true");
  return (await response.json()).deleted;
}

// ---- accounts ------------------------------------------------------------------------

/** {username, mode}: mode "open" (one shared list, username null) or "accounts".
 * Signed out in accounts mode: an ApiError with status 401. */
export async function getSession() {
  return (await send("GET", "/api/session")).json();
}

/** Sign in; the server sets the session cookie. Resolves to {username} as stored. */
export async function signIn(username, password) {
  return (await send("POST", "/api/session", { body: { username, password } })).json();
}

export async function signOut() {
  await send("DELETE", "/api/session");
}

/** Create an account (not signed in yet). Resolves to {username, createdAt}. */
export async function signUp(username, password) {
  return (await send("POST", "/api/users", { body: { username, password } })).json();
}

// ---- one's own account -----------------------------------------------------------------

/** Every other session and every token ends; this session goes on. */
export async function changePassword(currentPassword, newPassword) {
  await send("PUT", "/api/account/password", { body: { currentPassword, newPassword } });
}

/** Every session ends, this one too. */
export async function signOutEverywhere() {
  await send("DELETE", "/api/account/sessions");
}

/** The account goes, with every todo, session and token of it. */
export async function deleteAccount(password) {
  await send("DELETE", "/api/account", { body: { password } });
}

/** [{id, name, createdAt, expiresAt, lastUsedAt}] */
export async function listTokens() {
  return (await send("GET", "/api/tokens")).json();
}

/** {id, name, createdAt, expiresAt, lastUsedAt, token}: the secret, shown this once. */
export async function createToken(name, expiresInDays) {
  return (await send("POST", "/api/tokens", { body: { name, expiresInDays } })).json();
}

export async function revokeToken(id) {
  await send("DELETE", `/api/tokens/${encodeURIComponent(id)}`);
}
