// Reordering: which `order` values a move needs, and dragging an item by its handle with
// pointer events (mouse, pen and touch alike). Saving is the caller's.

const STEP = 1024;
const MAX_ORDER = Number.MAX_SAFE_INTEGER; // the API takes integers within ±(2⁵³−1)

/** The `order` changes that keep `list` in its order on the server, `list[index]` being
 * the task just moved: [{id, order}]. One change when its neighbours leave room between
 * their orders, otherwise the whole list renumbered in steps of STEP (only the tasks whose
 * order differs). */
export function planOrder(list, index) {
  const single = between(list[index - 1], list[index + 1]);
  if (single !== null) {
    const change = { id: list[index].id, order: single };
    const after = list.map((todo, at) => (at === index ? { ...todo, order: single } : todo));
    if (inOrder(after)) return [change];
  }
  if (inOrder(list)) return [];
  return list
    .map((todo, position) => ({ id: todo.id, order: (position + 1) * STEP, was: todo.order }))
    .filter(({ order, was }) => order !== was)
    .map(({ id, order }) => ({ id, order }));
}

// An order that sorts after `before` and ahead of `after` (either may be missing), or null.
function between(before, after) {
  const low = before?.order;
  const high = after?.order;
  let order = null;
  if (before === undefined && Number.isInteger(high)) order = high - STEP;
  else if (Number.isInteger(low) && (after === undefined || high === null)) order = low + STEP;
  else if (Number.isInteger(low) && Number.isInteger(high) && high - low > 1) {
    order = low + Math.floor((high - low) / 2);
  }
  return order !== null && Math.abs(order) <= MAX_ORDER ? order : null;
}

// Whether the API lists these tasks in this order: by `order`, those without one last,
// ties by creation (the id).
function inOrder(list) {
  return list.every((todo, at) => {
    if (at === 0) return true;
    const previous = list[at - 1];
    if (previous.order === null) return todo.order === null && todo.id > previous.id;
    if (todo.order === null) return true;
    return todo.order > previous.order || (todo.order === previous.order && todo.id > previous.id);
  });
}

/** Let items of `list` be dragged by their `.drag-handle`: the item follows the pointer
 * among its siblings, and on release `drop(item, index)` gets its new place (or `cancel()`
 * when the drag was interrupted). `allowed()` says whether a drag may start now. */
export function enableDragging(list, { allowed, drop, cancel }) {
  let dragging = null;

  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest(".drag-handle");
    if (!handle || event.button !== 0 || dragging || !allowed()) return;
    event.preventDefault();
    const item = handle.closest("li");
    dragging = { item, handle, pointerId: event.pointerId, from: indexOf(item) };
    handle.setPointerCapture(event.pointerId);
    item.classList.add("dragging");
  });

  list.addEventListener("pointermove", (event) => {
    if (!dragging || event.pointerId !== dragging.pointerId) return;
    const next = [...list.children].find((other) => {
      if (other === dragging.item) return false;
      const box = other.getBoundingClientRect();
      return event.clientY < box.top + box.height / 2;
    });
    if (next !== dragging.item.nextElementSibling) list.insertBefore(dragging.item, next ?? null);
  });

  const finish = (event, dropped) => {
    if (!dragging || event.pointerId !== dragging.pointerId) return;
    const { item, handle, from } = dragging;
    dragging = null;
    item.classList.remove("dragging");
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    const to = indexOf(item);
    if (dropped && to !== from) drop(item, to);
    else cancel();
  };
  list.addEventListener("pointerup", (event) => finish(event, true));
  list.addEventListener("pointercancel", (event) => finish(event, false));
}

const indexOf = (item) => [...item.parentElement.children].indexOf(item);
