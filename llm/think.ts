const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Remove reasoning blocks from a model's answer: every `<think>…</think>` pair; an unterminated
 * `<think>` (output cut off while still reasoning) together with everything after it; and a leading
 * block whose opening tag the chat template emitted itself, so the output starts mid-reasoning and
 * only `</think>` appears (DeepSeek-R1 distills, QwQ).
 */
export function stripThink(text: string): string {
  let t = text.replace(/<think>[\s\S]*?<\/think>/g, '');
  const open = t.indexOf(OPEN);
  if (open >= 0) t = t.slice(0, open);
  const close = t.indexOf(CLOSE);
  if (close >= 0) t = t.slice(close + CLOSE.length);
  return t.trim();
}

/**
 * The streaming counterpart of stripThink for `<think>` pairs and an unterminated block: text inside a
 * block is swallowed; a tag split across deltas is held back until it can be decided. (A bare leading
 * `</think>` can only be recognised on the whole text: the final `done` event carries stripThink's result.)
 */
export class ThinkStreamFilter {
  private buffer = '';
  private inside = false;
  private started = false;

  /** Feed one delta; returns the visible part that can be emitted now (possibly ''). */
  push(delta: string): string {
    this.buffer += delta;
    let out = '';
    for (;;) {
      const tag = this.inside ? CLOSE : OPEN;
      const at = this.buffer.indexOf(tag);
      if (at >= 0) {
        if (!this.inside) out += this.buffer.slice(0, at);
        this.buffer = this.buffer.slice(at + tag.length);
        this.inside = !this.inside;
        continue;
      }
      const keep = partialTagSuffix(this.buffer, tag);
      if (!this.inside) out += this.buffer.slice(0, this.buffer.length - keep);
      this.buffer = this.buffer.slice(this.buffer.length - keep);
      break;
    }
    return this.visible(out);
  }

  /** End of stream: whatever was held back and is not reasoning. */
  flush(): string {
    const rest = this.inside ? '' : this.buffer;
    this.buffer = '';
    return this.visible(rest);
  }

  /** Leading whitespace (the blank lines after a reasoning block) is dropped, as stripThink trims it. */
  private visible(s: string): string {
    if (this.started) return s;
    const t = s.replace(/^\s+/, '');
    if (t) this.started = true;
    return t;
  }
}

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
function partialTagSuffix(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
    if (s.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}
