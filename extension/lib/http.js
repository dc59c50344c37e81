// Small helpers for talking to the Candor server.

/** `serverUrl` without a trailing slash, joined with `path`. */
export function endpoint(serverUrl, path) {
  return `${serverUrl.replace(/\/+$/, "")}${path}`;
}

/** The parsed JSON body of a response, or null when it has none or it is not JSON. */
export async function jsonOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** Whether `body` is a Candor error: `{"code": <int>, "status": <str>, "message": <str>, …}`. */
export function isCandorError(body) {
  return (
    body !== null &&
    typeof body === "object" &&
    Number.isInteger(body.code) &&
    typeof body.status === "string" &&
    typeof body.message === "string"
  );
}

/** An AbortSignal that fires after `ms`, where the browser has AbortSignal.timeout. */
export function timeoutSignal(ms) {
  return typeof AbortSignal !== "undefined" && AbortSignal.timeout ? AbortSignal.timeout(ms) : undefined;
}
