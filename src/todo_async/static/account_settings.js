// One's own account, once signed in: change the password, manage tokens (made with a name
// and an expiry, shown once with a copy button, revoked), sign out everywhere, export the
// list, delete the account. app.js shows it on sign-in and hears of the sign-outs it causes
// through the `signedOut` it passes to setUpAccountSettings.

import * as api from "./api.js";

const $ = (selector) => document.querySelector(selector);

const ui = {
  panel: $("#account-settings"),
  problem: $("#settings-problem"),
  problemMessage: $("#settings-problem-message"),
  note: $("#settings-note"),
  password: $("#password-form"),
  tokens: $("#token-list"),
  tokenForm: $("#token-form"),
  newToken: $("#new-token"),
  newTokenValue: $("#new-token-value"),
  copyToken: $("#copy-token"),
  everywhere: $("#sign-out-everywhere"),
  deletion: $("#delete-account-form"),
};

let hooks = null; // {signedOut(), report(error, action)} from app.js

function say(note) {
  ui.problem.hidden = true;
  ui.note.textContent = note;
  ui.note.hidden = !note;
}

function complain(error, action) {
  if (error instanceof api.ApiError && error.status === 401 && action !== "check the password") {
    hooks.report(error, action); // the session ended: app.js shows the sign-in form
    return;
  }
  const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
  const detail = error instanceof api.ApiError && error.status === 401
    ? "Wrong password."
    : error.message;
  ui.note.hidden = true;
  ui.problemMessage.textContent = `Could not ${action}: ${detail}${wait}`;
  ui.problem.hidden = false;
}

const day = (moment) => (moment ? new Date(moment).toLocaleDateString() : "never");

function showTokens(tokens) {
  ui.tokens.replaceChildren(
    ...tokens.map((token) => {
      const item = document.createElement("li");
      const text = document.createElement("span");
      text.textContent =
        `${token.name} (expires ${day(token.expiresAt)}, last used ${day(token.lastUsedAt)})`;
      const revoke = document.createElement("button");
      revoke.type = "button";
      revoke.textContent = "Revoke";
      revoke.setAttribute("aria-label", `Revoke ${token.name}`);
      revoke.addEventListener("click", () => revokeToken(token));
      item.append(text, revoke);
      return item;
    }),
  );
}

async function loadTokens() {
  try {
    showTokens(await api.listTokens());
  } catch (error) {
    complain(error, "list the tokens");
  }
}

async function revokeToken(token) {
  try {
    await api.revokeToken(token.id);
    say(`Revoked ${token.name}.`);
  } catch (error) {
    complain(error, "revoke the token");
  }
  await loadTokens();
}

async function createToken(event) {
  event.preventDefault();
  const { name, expiresInDays } = ui.tokenForm.elements;
  try {
    const created = await api.createToken(name.value.trim(), Number(expiresInDays.value));
    ui.newTokenValue.textContent = created.token;
    ui.newToken.hidden = false;
    name.value = "";
    say(`Created ${created.name}.`);
  } catch (error) {
    complain(error, "create the token");
  }
  await loadTokens();
}

async function copyToken() {
  try {
    await navigator.clipboard.writeText(ui.newTokenValue.textContent);
    say("Copied.");
  } catch {
    say("Select the token and copy it.");
  }
}

async function changePassword(event) {
  event.preventDefault();
  const { currentPassword, newPassword } = ui.password.elements;
  try {
    await api.changePassword(currentPassword.value, newPassword.value);
    say("Password changed: every other session and every token ended.");
    ui.password.reset();
    ui.newToken.hidden = true;
  } catch (error) {
    complain(error, "check the password");
    return;
  }
  await loadTokens();
}

async function signOutEverywhere() {
  try {
    await api.signOutEverywhere();
  } catch (error) {
    complain(error, "sign out everywhere");
    return;
  }
  hooks.signedOut();
}

async function deleteAccount(event) {
  event.preventDefault();
  if (!window.confirm("Delete your account and every todo in it? This cannot be undone.")) {
    return;
  }
  const { password } = ui.deletion.elements;
  try {
    await api.deleteAccount(password.value);
  } catch (error) {
    complain(error, "check the password");
    return;
  }
  ui.deletion.reset();
  hooks.signedOut();
}

/** Shown (and its tokens read) while someone is signed in; hidden and emptied otherwise. */
export function showAccountSettings(signedIn) {
  ui.panel.hidden = !signedIn;
  ui.newToken.hidden = true;
  ui.newTokenValue.textContent = "";
  say("");
  if (signedIn) {
    loadTokens();
  } else {
    ui.panel.open = false;
    ui.tokens.replaceChildren();
    ui.password.reset();
    ui.deletion.reset();
  }
}

export function setUpAccountSettings(handlers) {
  hooks = handlers;
  ui.password.addEventListener("submit", changePassword);
  ui.tokenForm.addEventListener("submit", createToken);
  ui.copyToken.addEventListener("click", copyToken);
  ui.everywhere.addEventListener("click", signOutEverywhere);
  ui.deletion.addEventListener("submit", deleteAccount);
}
