// The dashboard's calls to its own API (same origin: the session cookie is sent).
export async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new Error("Candor did not answer: check that it is still running (candor serve), then try again.");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error(problem(data, response.status));
  return data;
}

// The fields people change on these pages, as the pages name them, and what to do when one is
// refused. The API's own summary ("Some fields are not valid: see errors.") is for programs.
const FIELDS = {
  outcome_url: ["Outcome link", "Give the whole address, starting with https://."],
  note: ["Note", null],
  owner: ["Your name", null],
  labels: ["Labels", null],
  confirm: ["Confirmation", null],
};

const named = (field) => FIELDS[field]?.[0] ?? field.charAt(0).toUpperCase() + field.slice(1).replaceAll("_", " ");

/** A refusal in words for the person at the page: each field's own messages, named as the page
 * names it, with what to do; else the API's message (already meant for people). */
export function problem(data, status) {
  const errors = data?.errors ? data.errors.json ?? data.errors.query ?? data.errors : null;
  const lines = [];
  const walk = (value, field) => {
    if (typeof value === "string") value = [value];
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
      const hint = FIELDS[field]?.[1];
      const text = value.map((item) => item.replace(/\.?$/, ".")).join(" ");
      lines.push(field && field !== "_schema" ? `${named(field)}: ${text}${hint ? ` ${hint}` : ""}` : text);
    } else if (value && typeof value === "object") {
      // A list's items are keyed by their index: they take the name of the list.
      for (const [key, inner] of Object.entries(value)) walk(inner, /^\d+$/.test(key) ? field : key);
    }
  };
  if (errors) walk(errors, null);
  if (lines.length) return lines.join(" ");
  return data?.message || `Candor answered with an error (${status}): reload the page and try again.`;
}

export function say(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}
