// The dashboard's calls to its own API (same origin: the session cookie is sent).
export async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const fields = data && data.errors ? Object.values(data.errors.json || data.errors.query || {}).flat() : [];
    throw new Error([data && data.message, ...fields].filter(Boolean).join(" "));
  }
  return data;
}

export function say(text) {
  const status = document.getElementById("status");
  if (status) status.textContent = text;
}
