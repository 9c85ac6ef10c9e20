// The todo page: renders what the API stores and sends each change to it.
// Text from the server only ever goes into textContent and attributes, never into HTML.

import { hideSignIn, setUpAccount, showAccount, showSignIn } from "./account.js";
import { setUpAccountSettings, showAccountSettings } from "./account_settings.js";
import * as api from "./api.js";
import { dueText, inDueView, isOverdue, timeZone } from "./dates.js";
import { enableDragging, planOrder } from "./reorder.js";

const $ = (selector, root = document) => root.querySelector(selector);

const ui = {
  todos: $("#todos"),
  form: $("#new-todo"),
  title: $("#new-title"),
  category: $("#new-category"),
  due: $("#new-due"),
  names: $("#category-names"),
  problem: $("#problem"),
  problemMessage: $("#problem-message"),
  problemRetry: $("#problem-retry"),
  problemDismiss: $("#problem-dismiss"),
  statusLinks: [...document.querySelectorAll(".status-filter a[data-status]")],
  dueLinks: [...document.querySelectorAll(".due-filter a")],
  categoryFilter: $("#category-filter"),
  list: $("#todo-list"),
  empty: $("#empty"),
  clear: $("#clear-completed"),
  summary: $("#summary"),
  status: $("#status"),
  todoTemplate: $("#todo-template"),
  editTemplate: $("#edit-template"),
  importForm: $("#import-form"),
  importFile: $("#import-file"),
  importResult: $("#import-result"),
};

const DUE_VIEWS = ["today", "overdue", "upcoming"];

const state = {
  view: "starting", // "list" or "signed-out" once the server said who is signed in
  user: undefined, // whose list is on the page: a username, null in open mode
  todos: [], // the todos the filter shows, in the order the API keeps
  categories: [], // [{category, open, completed}], for the counts and the category menu
  filter: readFilter(),
  etags: new Map(), // id -> {etag, updatedAt}: the version an item response named
  pending: new Set(), // ids with a change on its way
  editing: null, // id of the todo whose edit form is open
  adding: false,
  reordering: false, // moves being saved
  moves: [], // ids of the tasks moved and not saved yet, in turn
  loaded: false,
  loadSeq: 0,
  retry: null,
  retryKey: null,
  problemFromLoad: false,
};

// What the service could not do for a moment (503, 507), to be done again by itself once
// the wait it named (Retry-After) is over: key -> timer. A newer failure of the same
// change replaces its timer; what was typed stays where it is meanwhile.
const retries = new Map();
const BUSY_MESSAGE = "The service is busy or down for a moment";
const DEFAULT_RETRY_S = 2;
const serviceBusy = (error) =>
  error instanceof api.ApiError && (error.status === 503 || error.status === 507);

const items = new Map(); // id -> <li>

// ---- filter <-> URL ------------------------------------------------------------------

// ?status=active|completed, or ?due=today|overdue|upcoming (one or the other), and
// ?category=NAME; an empty category means "no category".

function readFilter() {
  const params = new URLSearchParams(window.location.search);
  const status = params.get("status");
  const due = params.get("due");
  return {
    status: status === "active" || status === "completed" ? status : "all",
    due: DUE_VIEWS.includes(due) ? due : undefined,
    category: params.has("category") ? params.get("category") || null : undefined,
  };
}

function filterUrl({ status, due, category }) {
  const params = new URLSearchParams();
  if (due !== undefined) params.set("due", due);
  else if (status !== "all") params.set("status", status);
  if (category !== undefined) params.set("category", category ?? "");
  const search = params.toString();
  return search ? `?${search}` : window.location.pathname;
}

function shows(todo, filter = state.filter) {
  if (filter.status === "active" && todo.completed) return false;
  if (filter.status === "completed" && !todo.completed) return false;
  if (!inDueView(todo, filter.due)) return false;
  return filter.category === undefined || todo.category === filter.category;
}

function setFilter(filter) {
  if (filter.category !== state.filter.category) suggestCategory(filter.category);
  state.filter = filter;
  window.history.pushState(null, "", filterUrl(filter));
  load();
}

// Adding while a category is shown puts the new task in it, unless one was typed.
function suggestCategory(category) {
  const typed = ui.category.value.trim();
  if (typed === "" || typed === (state.filter.category ?? "")) ui.category.value = category ?? "";
}

const categoryValue = (category) =>
  category === undefined ? "all" : category === null ? "none" : `=${category}`;

const categoryFromValue = (value) =>
  value === "all" ? undefined : value === "none" ? null : value.slice(1);

// The overdue and upcoming views run in date order, so their items cannot be moved.
const sortedByDue = (filter = state.filter) =>
  filter.due === "overdue" || filter.due === "upcoming";

// ---- loading -------------------------------------------------------------------------

async function load({ quiet = false } = {}) {
  const seq = ++state.loadSeq;
  if (!quiet) ui.list.setAttribute("aria-busy", "true");
  const { status, due, category } = state.filter;
  const query = { category };
  if (due !== undefined) Object.assign(query, { due, tz: timeZone() });
  else if (status !== "all") query.completed = status === "completed";
  if (sortedByDue()) query.sort = "due";
  try {
    const [todos, categories] = await Promise.all([
      api.listTodos(query),
      api.listCategories(),
    ]);
    if (seq !== state.loadSeq) return;
    state.todos = todos;
    state.categories = categories;
    state.loaded = true;
    if (state.problemFromLoad) hideProblem();
    render();
  } catch (error) {
    if (seq !== state.loadSeq) return;
    report(error, "load the list", { retry: () => load(), change: false });
    state.problemFromLoad = true;
    if (!state.loaded) showEmpty("The list could not be loaded.");
  } finally {
    if (seq === state.loadSeq) ui.list.removeAttribute("aria-busy");
  }
}

// ---- who is signed in ----------------------------------------------------------------

// The server says whose list this is (or that it is open mode's shared list); until then
// neither the list nor the sign-in form shows.
async function start({ quiet = false } = {}) {
  let session;
  try {
    session = await api.getSession();
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 401) {
      sessionEnded();
      return;
    }
    if (!(error instanceof api.ApiError || error instanceof api.NetworkError)) throw error;
    // Not known who is signed in: the problem shows where the list would, with Try again.
    state.view = "list";
    ui.todos.hidden = false;
    if (serviceBusy(error)) {
      report(error, "load the list", { retry: () => start(), change: false });
    } else {
      const why =
        error instanceof api.NetworkError
          ? `. ${error.message} Try again in a moment.`
          : `: ${error.message} (HTTP ${error.status}).`;
      showProblem(`Could not load the list${why}`, { retry: () => start() });
    }
    state.problemFromLoad = true;
    if (!state.loaded) showEmpty("The list could not be loaded.");
    return;
  }
  signedIn(session.mode === "open" ? null : session.username, { quiet });
}

function signedIn(username, { quiet = false } = {}) {
  // Someone else's list must not stay on the page, nor what they typed.
  if (username !== state.user) forget();
  const shown = state.view !== "list";
  state.user = username;
  state.view = "list";
  showAccount(username);
  showAccountSettings(Boolean(username));
  hideSignIn();
  ui.todos.hidden = false;
  ui.summary.hidden = false;
  if (shown) ui.title.focus();
  load({ quiet });
}

// Signed out on purpose: the list leaves the page with the session.
function signedOut() {
  forget();
  state.user = undefined;
  showSignedOut({});
  announce("Signed out.");
}

// The session ended (it expired, or another tab signed out): back to the sign-in form,
// keeping the list and anything typed for when the same person signs in again.
function sessionEnded() {
  if (state.view === "signed-out") return;
  let note = "";
  if (state.user) {
    const typed = ui.title.value.trim() || ui.category.value.trim() || state.editing !== null;
    note = "Your session has ended: sign in again to carry on.";
    if (typed) note += " What you typed is kept.";
  }
  showSignedOut({ username: state.user ?? "", note });
  if (note) announce(note); // focus went to the password field: say why
}

function showSignedOut(options) {
  state.view = "signed-out";
  showAccountSettings(false);
  ui.todos.hidden = true;
  ui.summary.hidden = true;
  document.title = "Todos";
  showSignIn(options);
}

function forget() {
  state.loadSeq += 1; // a load still on its way answers for the list that is going
  state.todos = [];
  state.categories = [];
  state.etags.clear();
  state.editing = null;
  state.loaded = false;
  items.clear();
  ui.list.replaceChildren();
  ui.title.value = "";
  ui.category.value = "";
  ui.due.value = "";
  ui.importFile.value = "";
  ui.importResult.hidden = true;
  hideProblem();
  render();
  showEmpty("Loading…");
}

// ---- rendering -----------------------------------------------------------------------

function render() {
  renderList();
  renderFilters();
  renderCounts();
}

function renderList() {
  const focused = [...items.values()].find((li) => li.contains(document.activeElement));
  const focusedIndex = focused ? [...ui.list.children].indexOf(focused) : -1;
  const wanted = new Set(state.todos.map((todo) => todo.id));
  for (const [id, li] of items) {
    if (wanted.has(id)) continue;
    li.remove();
    items.delete(id);
    if (state.editing === id) state.editing = null;
  }
  let cursor = ui.list.firstElementChild;
  for (const todo of state.todos) {
    let li = items.get(todo.id);
    if (!li) {
      li = createItem(todo);
      items.set(todo.id, li);
    } else if (state.editing !== todo.id && !state.pending.has(todo.id)) {
      // A task with a change on its way keeps showing that change until the answer.
      fillItem(li, todo);
    }
    if (li === cursor) cursor = cursor.nextElementSibling;
    else ui.list.insertBefore(li, cursor);
  }
  // The focused task left the list (deleted, or filtered out): focus its neighbour.
  if (focused && !focused.isConnected) {
    const next = ui.list.children[Math.min(focusedIndex, ui.list.children.length - 1)];
    (next ? $(".toggle", next) : ui.title).focus();
  }
  if (state.todos.length) hideEmpty();
  else showEmpty(emptyMessage());
}

function emptyMessage() {
  const { status, due, category } = state.filter;
  const where =
    category === undefined ? "" : category === null ? " without a category" : ` in “${category}”`;
  if (due === "today") return `Nothing due today${where}.`;
  if (due === "overdue") return `Nothing overdue${where}.`;
  if (due === "upcoming") return `Nothing due after today${where}.`;
  if (status === "active") return `No open tasks${where}.`;
  if (status === "completed") return `No completed tasks${where}.`;
  return where ? `No tasks${where}.` : "Nothing to do yet. Add a task above.";
}

function showEmpty(message) {
  ui.empty.textContent = message;
  ui.empty.hidden = false;
}

function hideEmpty() {
  ui.empty.hidden = true;
}

function createItem(todo) {
  const li = ui.todoTemplate.content.firstElementChild.cloneNode(true);
  li.dataset.id = todo.id;
  const title = $(".title", li);
  title.id = `todo-${todo.id}-title`;
  $(".toggle", li).setAttribute("aria-labelledby", title.id);
  fillItem(li, todo);
  return li;
}

function fillItem(li, todo) {
  li.classList.toggle("completed", todo.completed);
  $(".toggle", li).checked = todo.completed;
  $(".title", li).textContent = todo.title;
  const category = $(".category", li);
  category.hidden = !todo.category;
  category.replaceChildren();
  if (todo.category) {
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = "Category: ";
    category.append(label, todo.category);
  }
  const due = $(".due", li);
  due.hidden = !todo.due;
  li.classList.toggle("overdue", isOverdue(todo));
  due.replaceChildren();
  if (todo.due) {
    // Overdue is said in words and with an icon, not by colour alone.
    if (isOverdue(todo)) due.append(overdueIcon());
    const date = document.createElement("time");
    date.dateTime = todo.due;
    date.textContent = dueText(todo);
    due.append(date);
  }
  $(".move-up", li).setAttribute("aria-label", `Move “${todo.title}” up`);
  $(".move-down", li).setAttribute("aria-label", `Move “${todo.title}” down`);
  $(".edit", li).setAttribute("aria-label", `Edit “${todo.title}”`);
  $(".delete", li).setAttribute("aria-label", `Delete “${todo.title}”`);
}

function overdueIcon() {
  const icon = document.createElement("span");
  icon.className = "overdue-icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = "⚠";
  return icon;
}

function totals() {
  let open = 0;
  let completed = 0;
  for (const summary of state.categories) {
    open += summary.open;
    completed += summary.completed;
  }
  return { open, completed };
}

function renderCounts() {
  const { open, completed } = totals();
  ui.summary.textContent = `${open} open · ${completed} done`;
  document.title = open ? `(${open}) Todos` : "Todos";
  ui.clear.hidden = completed === 0;
  ui.clear.textContent = `Clear completed (${completed})`;
}

function renderFilters() {
  const { status: shownStatus, due: shownDue } = state.filter;
  for (const link of ui.statusLinks) {
    const status = link.dataset.status;
    link.href = filterUrl({ ...state.filter, status, due: undefined });
    markCurrent(link, shownDue === undefined && status === shownStatus);
  }
  for (const link of ui.dueLinks) {
    const due = link.dataset.due;
    link.href = filterUrl({ ...state.filter, status: "all", due });
    markCurrent(link, due === shownDue);
  }
  ui.list.classList.toggle("fixed-order", sortedByDue());
  const current = state.filter.category;
  const named = state.categories.filter(({ category }) => category !== null);
  const none = state.categories.find(({ category }) => category === null);
  if (typeof current === "string" && !named.some(({ category }) => category === current)) {
    named.push({ category: current, open: 0, completed: 0 });
  }
  const options = [new Option("All categories", "all")];
  for (const { category, open, completed } of named) {
    options.push(new Option(`${category} · ${countText(open, completed)}`, `=${category}`));
  }
  if (none || current === null) {
    const text = none ? `No category · ${countText(none.open, none.completed)}` : "No category";
    options.push(new Option(text, "none"));
  }
  ui.categoryFilter.replaceChildren(...options);
  ui.categoryFilter.value = categoryValue(state.filter.category);
  ui.names.replaceChildren(
    ...state.categories
      .filter(({ category }) => category !== null)
      .map(({ category }) => new Option(category, category)),
  );
}

function markCurrent(link, isCurrent) {
  if (isCurrent) link.setAttribute("aria-current", "page");
  else link.removeAttribute("aria-current");
}

function countText(open, completed) {
  return open ? `${open} open` : completed ? "all done" : "empty";
}

// Keep the counts in step with a change the API confirmed, without asking for them again.
function count(todo, step) {
  let summary = state.categories.find(({ category }) => category === todo.category);
  if (!summary) {
    summary = { category: todo.category, open: 0, completed: 0 };
    state.categories.push(summary);
  }
  summary[todo.completed ? "completed" : "open"] += step;
  state.categories = state.categories.filter(({ open, completed }) => open > 0 || completed > 0);
}

// ---- messages ------------------------------------------------------------------------

function announce(message) {
  ui.status.textContent = "";
  window.requestAnimationFrame(() => {
    ui.status.textContent = message;
  });
}

function showProblem(message, { retry = null, retryKey = null } = {}) {
  ui.problemMessage.textContent = message;
  ui.problemRetry.hidden = retry === null;
  state.retry = retry;
  state.retryKey = retryKey;
  state.problemFromLoad = false;
  ui.problem.hidden = false;
}

function hideProblem() {
  ui.problem.hidden = true;
  state.retry = null;
  state.retryKey = null;
  state.problemFromLoad = false;
  for (const input of document.querySelectorAll("[aria-invalid]")) clearInvalid(input);
}

function markInvalid(input) {
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", "problem-message");
}

function clearInvalid(input) {
  input.removeAttribute("aria-invalid");
  input.removeAttribute("aria-describedby");
}

const FIELD_NAMES = { title: "Title", category: "Category", due: "Due date" };

function retryLater(key, retry, seconds) {
  window.clearTimeout(retries.get(key));
  const run = () => {
    retries.delete(key);
    retry();
  };
  retries.set(key, window.setTimeout(run, seconds * 1000));
}

function retryNow(key) {
  window.clearTimeout(retries.get(key));
  retries.delete(key);
}

/** Tell the person plainly why `action` failed; what they typed stays where it is.
 * `retry` does it again; `key` names it among the retries waiting (default: `action`). */
function report(
  error,
  action,
  { fields = {}, retry = null, editing = false, key = action, change = true } = {},
) {
  if (error instanceof api.ApiError && error.status === 401) {
    sessionEnded();
  } else if (serviceBusy(error)) {
    if (retry === null) {
      showProblem(`Could not ${action}: ${BUSY_MESSAGE}. Try again in a moment.`);
      return;
    }
    const kept = change ? "your change is kept, retrying…" : "retrying…";
    showProblem(`${BUSY_MESSAGE}; ${kept}`, { retry, retryKey: key });
    retryLater(key, retry, error.retryAfter ?? DEFAULT_RETRY_S);
  } else if (error instanceof api.NetworkError) {
    const kept = Object.keys(fields).length ? " What you typed is kept." : "";
    showProblem(`Could not ${action}. ${error.message}${kept} Try again in a moment.`, { retry });
  } else if (error instanceof api.ApiError && error.status === 412) {
    const keep = editing
      ? " Your edit is still open: save it to replace the other change, or cancel it."
      : "";
    showProblem(
      `Could not ${action}: this task was changed somewhere else (another tab or device). ` +
        `The list now shows the latest version.${keep}`,
    );
    load({ quiet: true });
  } else if (error instanceof api.ApiError && error.status === 404) {
    showProblem(
      `Could not ${action}: this task no longer exists; it was deleted somewhere else. ` +
        "The list now shows what is stored.",
    );
    load({ quiet: true });
  } else if (error instanceof api.ApiError && error.errors.length) {
    const reasons = error.errors.map(({ field, message }) => {
      if (fields[field]) markInvalid(fields[field]);
      return `${FIELD_NAMES[field] ?? field}: ${message}.`;
    });
    showProblem(`Could not ${action}. ${reasons.join(" ")}`);
    const invalid = error.errors.map(({ field }) => fields[field]).find(Boolean);
    if (invalid) invalid.focus();
  } else if (error instanceof api.ApiError) {
    showProblem(`Could not ${action}: ${error.message} (HTTP ${error.status}).`, { retry });
  } else {
    throw error;
  }
}

// ---- changes -------------------------------------------------------------------------

const todoById = (id) => state.todos.find((todo) => todo.id === id);

function remember(todo, etag) {
  if (etag) state.etags.set(todo.id, { etag, updatedAt: todo.updated_at });
}

// The list does not carry ETags. The first change to a listed task asks for its ETag and
// checks that the stored task is still the one on screen; later changes reuse the ETag
// each answer brings. Either way the server refuses (412) a change based on a stale copy.
async function etagFor(todo) {
  const known = state.etags.get(todo.id);
  if (known && known.updatedAt === todo.updated_at) return known.etag;
  const { todo: stored, etag } = await api.getTodo(todo.id);
  remember(stored, etag);
  if (stored.updated_at !== todo.updated_at) {
    throw new api.ApiError(412, { title: "Precondition Failed", status: 412 });
  }
  return etag;
}

function applyUpdate(before, after) {
  count(before, -1);
  count(after, +1);
  const index = state.todos.findIndex((todo) => todo.id === before.id);
  if (index >= 0 && shows(after)) state.todos[index] = after;
  else if (index >= 0) state.todos.splice(index, 1);
  render();
}

// One change per task at a time: each is based on the version the previous one made.
function busy(id) {
  if (state.pending.has(id)) announce("Still saving the last change to this task; try again.");
  return state.pending.has(id);
}

async function withPending(id, change) {
  state.pending.add(id);
  items.get(id)?.setAttribute("aria-busy", "true");
  try {
    return await change();
  } finally {
    state.pending.delete(id);
    items.get(id)?.removeAttribute("aria-busy");
  }
}

async function addTodo() {
  const title = ui.title.value.trim();
  const category = ui.category.value.trim();
  const due = ui.due.value;
  if (!title) {
    ui.title.focus();
    announce("Type a task first.");
    return;
  }
  if (state.adding) return;
  state.adding = true;
  clearInvalid(ui.title);
  clearInvalid(ui.category);
  clearInvalid(ui.due);
  const fields = { title };
  if (category) fields.category = category;
  if (due) fields.due = due;
  try {
    const { todo, etag } = await api.createTodo(fields);
    remember(todo, etag);
    // Typing may have gone on while the request was out; only clear what was sent.
    if (ui.title.value.trim() === title) ui.title.value = "";
    if (ui.due.value === due) ui.due.value = "";
    hideProblem();
    count(todo, +1);
    const visible = shows(todo);
    if (visible) state.todos.push(todo);
    render();
    announce(visible ? `Added “${title}”.` : `Added “${title}”; the current filter hides it.`);
    if (document.activeElement !== ui.category) ui.title.focus();
  } catch (error) {
    report(error, "add the task", {
      fields: { title: ui.title, category: ui.category, due: ui.due },
      retry: () => addTodo(),
    });
  } finally {
    state.adding = false;
  }
}

async function setCompleted(id, completed) {
  const todo = todoById(id);
  try {
    const { todo: updated, etag } = await withPending(id, async () =>
      api.updateTodo(id, { completed }, await etagFor(todo)),
    );
    remember(updated, etag);
    hideProblem();
    applyUpdate(todo, updated);
    announce(`“${todo.title}” marked ${completed ? "done" : "not done"}.`);
  } catch (error) {
    const li = items.get(id);
    // Put back as stored, unless the change is kept to be sent again.
    if (li && todoById(id) && !serviceBusy(error)) fillItem(li, todoById(id));
    report(error, completed ? "mark the task done" : "mark the task not done", {
      retry: () => todoById(id) && setCompleted(id, completed),
      key: `toggle ${id}`,
    });
  }
}

async function deleteTodo(id) {
  const todo = todoById(id);
  try {
    await withPending(id, async () => api.deleteTodo(id, await etagFor(todo)));
    state.etags.delete(id);
    hideProblem();
    count(todo, -1);
    state.todos = state.todos.filter((other) => other.id !== id);
    render();
    announce(`Deleted “${todo.title}”.`);
  } catch (error) {
    report(error, "delete the task", {
      retry: () => todoById(id) && deleteTodo(id),
      key: `delete ${id}`,
    });
  }
}

async function clearCompleted() {
  const expected = totals().completed;
  try {
    const deleted = await api.clearCompleted();
    hideProblem();
    if (ui.list.contains(document.activeElement) || document.activeElement === ui.clear) {
      ui.title.focus();
    }
    state.todos = state.todos.filter((todo) => !todo.completed);
    for (const summary of state.categories) summary.completed = 0;
    state.categories = state.categories.filter(({ open }) => open > 0);
    render();
    announce(`Cleared ${deleted} completed ${deleted === 1 ? "task" : "tasks"}.`);
    // Another tab changed the list meanwhile: show what is stored now.
    if (deleted !== expected) load({ quiet: true });
  } catch (error) {
    report(error, "clear the completed tasks", { retry: () => clearCompleted() });
  }
}

// ---- reordering ----------------------------------------------------------------------

// The overdue and upcoming views are in date order: nothing there is moved.
const canReorder = () => !sortedByDue();

/** Put the task `id` at `to` in the list shown; `focus` names the button to keep focused.
 * The list changes at once; saving follows, one move after another. */
function moveTodo(id, to, { focus = null } = {}) {
  const from = state.todos.findIndex((todo) => todo.id === id);
  if (from < 0 || !canReorder()) return;
  const todo = state.todos[from];
  const size = state.todos.length;
  if (to < 0 || to >= size || to === from) {
    render();
    if (to !== from) announce(`“${todo.title}” is already ${to < from ? "first" : "last"}.`);
    return;
  }
  const moved = state.todos.filter((other) => other.id !== id);
  moved.splice(to, 0, todo);
  state.todos = moved;
  render();
  if (focus) $(focus, items.get(id))?.focus();
  announce(`Moved “${todo.title}” to position ${to + 1} of ${size}.`);
  state.moves.push(id);
  if (!state.reordering) saveOrder();
}

// Each move, in turn, saved as the `order` values that keep the list as shown (planned
// against the list as it is by then), each PATCH with the task's If-Match.
async function saveOrder() {
  state.reordering = true;
  let id = null;
  try {
    while (state.moves.length) {
      id = state.moves.shift();
      const index = state.todos.findIndex((todo) => todo.id === id);
      if (index < 0) continue;
      for (const change of planOrder(state.todos, index)) await saveTaskOrder(change);
    }
    if (state.retryKey === "order") hideProblem();
  } catch (error) {
    state.moves = [];
    // A 412 or 404 brings back the stored list and says why; a busy service retries.
    report(error, "save the new order", {
      retry: () => {
        state.moves.push(id);
        if (!state.reordering) saveOrder();
      },
      key: "order",
    });
  } finally {
    state.reordering = false;
  }
}

async function saveTaskOrder({ id, order }) {
  const todo = todoById(id);
  const { todo: updated, etag } = await withPending(id, async () =>
    api.updateTodo(id, { order }, await etagFor(todo)),
  );
  remember(updated, etag);
  const index = state.todos.findIndex((other) => other.id === id);
  if (index >= 0) state.todos[index] = updated;
}

// ---- import --------------------------------------------------------------------------

async function importFile() {
  const [file] = ui.importFile.files;
  if (!file) {
    ui.importFile.focus();
    announce("Choose a file to import first.");
    return;
  }
  clearInvalid(ui.importFile);
  ui.importResult.hidden = true;
  try {
    const { created, skipped } = await api.importTodos(file);
    hideProblem();
    ui.importFile.value = "";
    ui.importResult.textContent = importedText(file.name, created, skipped);
    ui.importResult.hidden = false;
    load({ quiet: true });
  } catch (error) {
    if (error instanceof api.ApiError && ![401, 503, 507].includes(error.status)) {
      // The API names the first bad line; its words are shown as they are.
      markInvalid(ui.importFile);
      showProblem(`Could not import “${file.name}”: ${importProblem(error)}`);
      ui.importFile.focus();
    } else {
      report(error, `import “${file.name}”`, { retry: () => importFile(), key: "import" });
    }
  }
}

function importedText(name, created, skipped) {
  const tasks = (n) => `${n} ${n === 1 ? "task" : "tasks"}`;
  if (created === 0) return `Nothing new in “${name}”: ${tasks(skipped)} already on the list.`;
  const already = skipped ? `; ${skipped} already on the list` : "";
  return `Imported ${tasks(created)} from “${name}”${already}.`;
}

function importProblem(error) {
  const { line } = error.problem;
  const where = Number.isInteger(line) && !error.message.includes(`line ${line}`);
  return `${where ? `line ${line}: ` : ""}${error.message} (HTTP ${error.status}).`;
}

// ---- editing in place ----------------------------------------------------------------

function startEdit(id) {
  if (state.editing !== null && state.editing !== id) cancelEdit(state.editing, false);
  const li = items.get(id);
  const todo = todoById(id);
  if (!li || !todo || state.editing === id) return;
  state.editing = id;
  const form = ui.editTemplate.content.firstElementChild.cloneNode(true);
  const title = $(".edit-title", form);
  title.value = todo.title;
  $(".edit-category", form).value = todo.category ?? "";
  $(".edit-due", form).value = todo.due ?? "";
  $(".view", li).hidden = true;
  li.classList.add("editing");
  li.append(form);
  title.focus();
  title.select();
}

function closeEdit(id, focus) {
  const li = items.get(id);
  if (state.editing === id) state.editing = null;
  if (!li) return;
  $(".edit-form", li)?.remove();
  $(".view", li).hidden = false;
  li.classList.remove("editing");
  const todo = todoById(id);
  if (todo) fillItem(li, todo);
  if (focus) $(".edit", li).focus();
}

function cancelEdit(id, focus = true) {
  closeEdit(id, focus);
  hideProblem();
}

async function saveEdit(id, form) {
  const titleInput = $(".edit-title", form);
  const categoryInput = $(".edit-category", form);
  const dueInput = $(".edit-due", form);
  const title = titleInput.value.trim();
  const category = categoryInput.value.trim() || null;
  const due = dueInput.value || null;
  const todo = todoById(id);
  if (!todo || busy(id)) return;
  if (!title) {
    markInvalid(titleInput);
    showProblem("A task needs a title. Type one, or press Escape to keep the old title.");
    titleInput.focus();
    return;
  }
  const changes = {};
  if (title !== todo.title) changes.title = title;
  if (category !== todo.category) changes.category = category;
  if (due !== (todo.due ?? null)) changes.due = due;
  if (Object.keys(changes).length === 0) {
    closeEdit(id, true);
    return;
  }
  try {
    const { todo: updated, etag } = await withPending(id, async () =>
      api.updateTodo(id, changes, await etagFor(todo)),
    );
    remember(updated, etag);
    hideProblem();
    closeEdit(id, true);
    applyUpdate(todo, updated);
    announce(`Saved “${title}”.`);
  } catch (error) {
    report(error, "save the change", {
      fields: { title: titleInput, category: categoryInput, due: dueInput },
      editing: true,
      retry: () => state.editing === id && saveEdit(id, form),
      key: `edit ${id}`,
    });
  }
}

// ---- events --------------------------------------------------------------------------

const itemId = (element) => Number(element.closest(".todo")?.dataset.id);

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  addTodo();
});

for (const input of [ui.title, ui.category]) {
  input.addEventListener("input", () => clearInvalid(input));
}

ui.list.addEventListener("change", (event) => {
  if (!event.target.matches(".toggle")) return;
  const id = itemId(event.target);
  if (state.pending.has(id)) {
    event.target.checked = !event.target.checked;
    return;
  }
  setCompleted(id, event.target.checked);
});

ui.list.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  const id = itemId(button);
  const index = state.todos.findIndex((todo) => todo.id === id);
  if (button.matches(".move-up")) moveTodo(id, index - 1, { focus: ".move-up" });
  else if (button.matches(".move-down")) moveTodo(id, index + 1, { focus: ".move-down" });
  else if (button.matches(".edit")) startEdit(id);
  else if (button.matches(".delete") && !busy(id)) deleteTodo(id);
  else if (button.matches(".cancel")) cancelEdit(id);
});

enableDragging(ui.list, {
  allowed: canReorder,
  drop: (li, to) => moveTodo(itemId(li), to),
  cancel: render,
});

ui.list.addEventListener("dblclick", (event) => {
  if (event.target.closest(".view .title")) startEdit(itemId(event.target));
});

ui.list.addEventListener("submit", (event) => {
  event.preventDefault();
  saveEdit(itemId(event.target), event.target);
});

ui.list.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && event.target.closest(".edit-form")) {
    event.preventDefault();
    cancelEdit(itemId(event.target));
  }
});

ui.list.addEventListener("input", (event) => {
  if (event.target.closest(".edit-form")) clearInvalid(event.target);
});

for (const link of [...ui.statusLinks, ...ui.dueLinks]) {
  link.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    const { status = "all", due } = link.dataset;
    setFilter({ ...state.filter, status, due });
  });
}

ui.categoryFilter.addEventListener("change", () => {
  setFilter({ ...state.filter, category: categoryFromValue(ui.categoryFilter.value) });
});

ui.clear.addEventListener("click", clearCompleted);

ui.importForm.addEventListener("submit", (event) => {
  event.preventDefault();
  importFile();
});
ui.importFile.addEventListener("change", () => clearInvalid(ui.importFile));

ui.problemDismiss.addEventListener("click", () => {
  hideProblem();
  ui.title.focus();
});

ui.problemRetry.addEventListener("click", () => {
  const retry = state.retry;
  if (state.retryKey !== null) retryNow(state.retryKey);
  hideProblem();
  if (retry) retry();
});

window.addEventListener("popstate", () => {
  state.filter = readFilter();
  if (state.view === "list") load();
});

// Back to this tab, or back online: show what other tabs or devices stored meanwhile, and
// who is signed in now (another tab may have signed in, out, or in as someone else).
function refresh() {
  const settled = state.editing === null && (state.loaded || state.problemFromLoad);
  if (state.view === "signed-out" || settled) start({ quiet: true });
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refresh();
});
window.addEventListener("online", refresh);

setUpAccount({ signedIn, signedOut, report });
setUpAccountSettings({ signedOut, report });
showEmpty("Loading…");
start();
