// Talking to the sandbox server: JSON posts (each one a person acting in Slack) and the notices Slack's client shows.
import { el } from './dom.js';

/** POST /api/<name>; answers the server's JSON. A refused step is shown as a notice and answers undefined. */
export async function post(name, body) {
  const res = await fetch(`/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    notice(Array.isArray(json.error) ? json.error.join('; ') : (json.error ?? `The sandbox answered ${res.status}`), 'error');
    return undefined;
  }
  return json;
}

/** What Slack says when the app did not answer a command or a click in time, or answered with an error. */
export function checkDelivery(reply, what) {
  if (!reply) return;
  if (reply.timedOut) notice(`${what} failed with the error "operation_timeout" (the app did not answer within 3 seconds)`, 'error');
  else if (reply.status !== 0 && reply.status !== 200)
    notice(`${what} failed with the error "dispatch_failed" (HTTP ${reply.status})`, 'error');
}

export function notice(text, kind = 'info') {
  const node = el('div', { className: `notice ${kind}`, role: 'status' }, text);
  document.getElementById('notices').append(node);
  setTimeout(() => node.remove(), 6000);
}
