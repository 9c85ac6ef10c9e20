// Due dates as the page shows them: calendar dates ("YYYY-MM-DD"), read in the browser's
// own time zone, which the page also sends to the API as `tz` so both agree on "today".

/** The browser's IANA time zone, e.g. "Europe/Paris". */
export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

const pad = (n) => String(n).padStart(2, "0");
const isoDate = (date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

/** Today's date here, as "YYYY-MM-DD". */
export const today = () => isoDate(new Date());

function dayAfter(date) {
  const [year, month, day] = date.split("-").map(Number);
  return isoDate(new Date(year, month - 1, day + 1));
}

export const isOverdue = (todo) => Boolean(todo.due) && !todo.completed && todo.due < today();

/** Whether `todo` belongs in the due view `due` ("today", "overdue", "upcoming"). */
export function inDueView(todo, due) {
  if (due === "today") return todo.due === today();
  if (due === "overdue") return isOverdue(todo);
  if (due === "upcoming") return Boolean(todo.due) && todo.due > today();
  return true;
}

function longDate(date) {
  const [year, month, day] = date.split("-").map(Number);
  const options = { weekday: "short", month: "short", day: "numeric" };
  if (year !== new Date().getFullYear()) options.year = "numeric";
  return new Date(year, month - 1, day).toLocaleDateString(undefined, options);
}

/** What the item says about its due date: "Due today", "Overdue: due Thu, Dec 3"… */
export function dueText(todo) {
  const now = today();
  if (todo.due === now) return "Due today";
  if (todo.due === dayAfter(now)) return "Due tomorrow";
  if (isOverdue(todo)) return `Overdue: due ${longDate(todo.due)}`;
  return `Due ${longDate(todo.due)}`;
}
