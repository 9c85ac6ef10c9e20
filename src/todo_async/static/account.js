// Who uses the list, in accounts mode: the sign-in and sign-up forms, the name of the person
// signed in, and signing out. The list itself is app.js's; it hears of each change through
// the `signedIn` and `signedOut` it passes to setUpAccount.

import * as api from "./api.js";

const $ = (selector) => document.querySelector(selector);

const ui = {
  bar: $("#account"),
  name: $("#account-name"),
  signOut: $("#sign-out"),
  section: $("#signed-out"),
  note: $("#account-note"),
  problem: $("#account-problem"),
  problemMessage: $("#account-problem-message"),
  signIn: {
    form: $("#sign-in-form"),
    username: $("#sign-in-username"),
    password: $("#sign-in-password"),
  },
  signUp: {
    form: $("#sign-up-form"),
    username: $("#sign-up-username"),
    password: $("#sign-up-password"),
  },
  usernameHint: $("#sign-up-username-hint"),
  showSignUp: $("#show-sign-up"),
  showSignIn: $("#show-sign-in"),
};

let hooks = null; // {signedIn(username), signedOut(), report(error, action)} from app.js
let sending = false; // one sign-in, sign-up or sign-out at a time

// ---- what is shown -------------------------------------------------------------------

/** The account bar: the name of the person signed in, or nothing (open mode, signed out). */
export function showAccount(username) {
  ui.bar.hidden = !username;
  ui.name.textContent = username ?? "";
}

/** The sign-in form, with `username` filled in and, if given, a note saying why. */
export function showSignIn({ username = "", note = "" } = {}) {
  showAccount(null);
  hideProblem();
  ui.note.textContent = note;
  ui.note.hidden = !note;
  for (const form of [ui.signIn, ui.signUp]) {
    form.username.value = username;
    form.password.value = "";
  }
  ui.section.hidden = false; // before focus moves into it: a hidden field takes none
  showForm(ui.signIn, ui.signUp);
}

export function hideSignIn() {
  ui.section.hidden = true;
  ui.signIn.password.value = "";
  ui.signUp.password.value = "";
}

// Switching forms keeps the username typed; focus goes to the first field left to fill.
function showForm(shown, other) {
  if (other.username.value.trim()) shown.username.value = other.username.value;
  other.form.hidden = true;
  shown.form.hidden = false;
  (shown.username.value ? shown.password : shown.username).focus();
}

function showProblem(message, invalid = []) {
  hideProblem();
  ui.problemMessage.textContent = message;
  ui.problem.hidden = false;
  for (const input of invalid) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-errormessage", "account-problem-message");
  }
  if (invalid.length) {
    invalid[0].focus();
    invalid[0].select();
  }
}

function hideProblem() {
  ui.problem.hidden = true;
  for (const input of ui.section.querySelectorAll("[aria-invalid]")) clearInvalid(input);
}

function clearInvalid(input) {
  input.removeAttribute("aria-invalid");
  input.removeAttribute("aria-errormessage");
}

// ---- what went wrong, in plain words -------------------------------------------------

function waitText(seconds) {
  if (seconds < 90) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  const at = new Date(Date.now() + seconds * 1000).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
  return `${minutes} minutes (at ${at})`;
}

const FIELD_NAMES = { username: "Username", password: "Password" };

function explain(error, action, form) {
  if (error instanceof api.NetworkError) {
    showProblem(`Could not ${action}. ${error.message} Try again in a moment.`);
  } else if (!(error instanceof api.ApiError)) {
    throw error;
  } else if (error.status === 429) {
    const wait = error.retryAfter === null ? "later" : `in ${waitText(error.retryAfter)}`;
    showProblem(`Too many failed sign-ins. Try again ${wait}.`);
  } else if (form === ui.signIn && error.status === 401) {
    showProblem("Wrong username or password. Check both and try again.", [form.password]);
  } else if (form === ui.signUp && error.status === 409) {
    const taken = form.username.value.trim();
    showProblem(`The username “${taken}” is taken. Choose another one.`, [form.username]);
  } else if (form === ui.signUp && error.status === 403) {
    showProblem("This server takes no new accounts. Ask the person who runs it for one.");
  } else if (error.errors.length) {
    const reasons = error.errors.map(
      ({ field, message }) => `${FIELD_NAMES[field] ?? field}: ${message}.`,
    );
    const invalid = error.errors.map(({ field }) => form[field]).filter(Boolean);
    showProblem(`Could not ${action}. ${reasons.join(" ")}`, invalid);
  } else {
    showProblem(`Could not ${action}: ${error.message} (HTTP ${error.status}).`);
  }
}

// The rule as the hint under the field words it ("3 to 32 letters ... digit.").
const usernameRule = () => ui.usernameHint.textContent.replace(/\s+/g, " ").trim();

// The server checks the same rules; checking them here first says so without a round trip.
function refusal({ username, password }) {
  const name = username.value.trim(); // as it is sent
  const pattern = new RegExp(`^(?:${username.pattern})$`, "v");
  if (name.length < username.minLength || !pattern.test(name)) {
    return [`A username is ${usernameRule()}`, [username]];
  }
  if (password.value.length < password.minLength) {
    const rule = `use at least ${password.minLength} characters`;
    return [`The password is too short: ${rule}.`, [password]];
  }
  return null;
}

// ---- requests ------------------------------------------------------------------------

async function once(work) {
  if (sending) return;
  sending = true;
  try {
    await work();
  } finally {
    sending = false;
  }
}

async function signIn(form, action) {
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showProblem("Type your username and password.", [username ? form.password : form.username]);
    return;
  }
  try {
    const session = await api.signIn(username, password);
    hooks.signedIn(session.username);
  } catch (error) {
    explain(error, action, form);
  }
}

async function signUp() {
  const form = ui.signUp;
  const refused = refusal(form);
  if (refused) {
    showProblem(...refused);
    return;
  }
  try {
    await api.signUp(form.username.value.trim(), form.password.value);
  } catch (error) {
    explain(error, "create the account", form);
    return;
  }
  await signIn(form, "sign in to the new account");
}

async function signOut() {
  try {
    await api.signOut();
  } catch (error) {
    hooks.report(error, "sign out");
    return;
  }
  hooks.signedOut();
}

// ---- events --------------------------------------------------------------------------

export function setUpAccount(handlers) {
  hooks = handlers;
  ui.signIn.form.addEventListener("submit", (event) => {
    event.preventDefault();
    once(() => signIn(ui.signIn, "sign in"));
  });
  ui.signUp.form.addEventListener("submit", (event) => {
    event.preventDefault();
    once(signUp);
  });
  ui.signOut.addEventListener("click", () => once(signOut));
  ui.showSignUp.addEventListener("click", () => {
    hideProblem();
    showForm(ui.signUp, ui.signIn);
  });
  ui.showSignIn.addEventListener("click", () => {
    hideProblem();
    showForm(ui.signIn, ui.signUp);
  });
  ui.section.addEventListener("input", (event) => clearInvalid(event.target));
}
