/**
 * A panel that reads the API on its own (diff, quality, runs): it never breaks the page. While it loads, when the
 * server refuses (a daily run holds the embedded database: 503; no token: 401) or finds nothing (404), it says so
 * in its note, with a button to try again where trying again can help. `section[data-state]` (`loading`, `ready`,
 * `empty`, `busy`, `unauthorized`, `error`) lets a test wait for it.
 */
import { ApiError } from './api.js';
import { element } from './dom.js';

export class Panel {
  /** `section`: the panel's element, holding a `.panel-note` and a `.panel-body`; `retry`: loads it again. */
  constructor(section, retry) {
    this.section = section;
    this.note = section.querySelector('.panel-note');
    this.body = section.querySelector('.panel-body');
    this.retry = retry;
    /** A later load wins: the answers of an earlier one that arrive late are dropped. */
    this.generation = 0;
  }

  /** Starts a load; the returned function tells whether it is still the panel's latest. */
  loading() {
    const generation = ++this.generation;
    this.state('loading', 'Loading…');
    return () => generation === this.generation;
  }

  ready(note = '') {
    this.state('ready', note);
    this.body.hidden = false;
  }

  /** Nothing to show, and why (no other computation version, no verdict, no run yet). */
  empty(text) {
    this.state('empty', text);
    this.body.hidden = true;
  }

  /** What went wrong, said in the panel; a bug (not an answer of the API) is still thrown, to be seen. */
  failed(error) {
    this.body.hidden = true;
    if (!(error instanceof ApiError)) {
      this.state('error', `This panel failed: ${error.message}`);
      throw error;
    }
    if (error.busy) {
      const wait = error.retryAfter === null ? '' : ` (the server suggests ${error.retryAfter} s)`;
      this.state('busy', `The daily run is writing; try again shortly${wait}.`, true);
    } else if (error.unauthorized) {
      this.state('unauthorized', `This server needs an API token: ${error.message}`, true);
    } else if (error.status === 404) {
      this.state('empty', `Nothing found: ${error.message}.`);
    } else {
      const title = error.problem.title ?? '';
      this.state('error', `The server could not answer (${error.status} ${title}): ${error.message}.`, true);
    }
  }

  state(state, text, retryable = false) {
    this.section.dataset.state = state;
    this.note.replaceChildren(text);
    this.note.hidden = text === '';
    if (retryable) {
      const button = element('button', 'Try again', { type: 'button', class: 'retry' });
      button.addEventListener('click', () => void this.retry());
      this.note.append(' ', button);
    }
  }
}
