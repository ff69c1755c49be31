/**
 * The threading algorithms of RFC 5256 §3, pure: ORDEREDSUBJECT and REFERENCES (after Jamie
 * Zawinski's), and the THREAD response's nesting (§4: `(3 6 (4 23)(44 7 96))`). Nothing here
 * recurses on the shape of the threads: a reply chain of 100,000 messages is as safe as one.
 */

/** One searched message, as the algorithms see it. */
export interface ThreadInput {
  /** What the response names it by: its sequence number, or its UID for UID THREAD. */
  id: number;
  /** Its sequence number: the last tie-break (RFC 5256 §2.2). */
  order: number;
  /** Sent date, or the internal date when there is none (RFC 5256 §2.2), in milliseconds. */
  date: number;
  /** Base subject (RFC 5256 §2.1), case-folded. */
  subject: string;
  /** Its subject was a reply or forward (REFERENCES step 5). */
  replyOrForward: boolean;
  messageId: string | null;
  /** References, or In-Reply-To when there are none. */
  references: readonly string[];
}

export interface ThreadNode {
  /** null: a dummy, standing for a message that is missing or for several of one subject. */
  msg: ThreadInput | null;
  children: ThreadNode[];
}

function compareMessages(a: ThreadInput, b: ThreadInput): number {
  return a.date - b.date || a.order - b.order;
}

/** A dummy sorts as its first child (RFC 5256 §3 REFERENCES steps 4 and 6). */
function leadOf(n: ThreadNode): ThreadInput | null {
  return n.msg ?? n.children[0]?.msg ?? null;
}

function compareNodes(a: ThreadNode, b: ThreadNode): number {
  const x = leadOf(a);
  const y = leadOf(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  return compareMessages(x, y);
}

/**
 * ORDEREDSUBJECT: messages sorted by base subject, then sent date; one thread per subject whose
 * first message is the parent of the others (siblings); threads in order of their first message.
 */
export function orderedSubject(messages: readonly ThreadInput[]): ThreadNode[] {
  const sorted = [...messages].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : compareMessages(a, b)));
  const threads: ThreadNode[] = [];
  let current: ThreadNode | null = null;
  for (const m of sorted) {
    if (current?.msg?.subject === m.subject) current.children.push({ msg: m, children: [] });
    else {
      current = { msg: m, children: [] };
      threads.push(current);
    }
  }
  return threads.sort(compareNodes);
}

/** A node of step 1's forest; children in a doubly linked list, so linking allocates nothing. */
interface Container {
  msg: ThreadInput | null;
  /** Its node once pruned (steps 2-3). */
  node: ThreadNode | null;
  parent: Container | null;
  first: Container | null;
  last: Container | null;
  prev: Container | null;
  next: Container | null;
}

/**
 * Whether `a` is `c` or one of its ancestors. A container without children is no one's ancestor,
 * which answers the common case (a new message under a long chain) without walking the chain.
 */
function isAncestor(a: Container, c: Container): boolean {
  if (a.first === null) return a === c;
  for (let p: Container | null = c; p !== null; p = p.parent) if (p === a) return true;
  return false;
}

function unlink(c: Container): void {
  const p = c.parent;
  if (p === null) return;
  if (c.prev === null) p.first = c.next;
  else c.prev.next = c.next;
  if (c.next === null) p.last = c.prev;
  else c.next.prev = c.prev;
  c.parent = c.prev = c.next = null;
}

function link(child: Container, parent: Container): void {
  unlink(child);
  child.parent = parent;
  child.prev = parent.last;
  if (parent.last === null) parent.first = child;
  else parent.last.next = child;
  parent.last = child;
}

/** REFERENCES step 1: the containers, linked by the messages' references; returns every container made. */
function linkReferences(messages: readonly ThreadInput[]): Container[] {
  const all: Container[] = [];
  const make = (msg: ThreadInput | null): Container => {
    const c: Container = { msg, node: null, parent: null, first: null, last: null, prev: null, next: null };
    all.push(c);
    return c;
  };
  const table = new Map<string, Container>();
  const byId = (id: string): Container => {
    let c = table.get(id);
    if (c === undefined) {
      c = make(null); // a dummy until its message turns up
      table.set(id, c);
    }
    return c;
  };
  for (const m of messages) {
    // (A) Each reference the parent of the next, unless that one has a parent or it makes a loop.
    let prev: Container | null = null;
    for (const id of m.references) {
      const c = byId(id);
      if (prev !== null && c.parent === null && !isAncestor(c, prev)) link(c, prev);
      prev = c;
    }
    // (B) The message's own container; a missing or repeated Message-ID gets a unique one.
    const known = m.messageId === null ? undefined : table.get(m.messageId);
    let own: Container;
    if (known !== undefined && known.msg === null) {
      own = known;
      own.msg = m;
    } else {
      own = make(m);
      if (m.messageId !== null && known === undefined) table.set(m.messageId, own);
    }
    // (C) Its parent is the last reference (none without references), unless that makes a loop.
    unlink(own);
    if (prev !== null && !isAncestor(own, prev)) link(own, prev);
  }
  return all;
}

/**
 * REFERENCES steps 2 and 3: the root set, dummies pruned bottom-up. A dummy without children
 * goes; one with children gives them to its parent, except at the root where it stays when it
 * has more than one.
 */
function pruneDummies(all: readonly Container[]): ThreadNode[] {
  const roots = all.filter((c) => c.parent === null);
  const preorder: Container[] = [];
  const stack = [...roots];
  for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
    preorder.push(c);
    for (let child = c.first; child !== null; child = child.next) stack.push(child);
  }
  for (let i = preorder.length - 1; i >= 0; i--) {
    const c = preorder[i] as Container;
    const children: ThreadNode[] = [];
    for (let child = c.first; child !== null; child = child.next) {
      const n = child.node as ThreadNode;
      if (n.msg === null) for (const g of n.children) children.push(g);
      else children.push(n);
    }
    c.node = { msg: c.msg, children };
  }
  const out: ThreadNode[] = [];
  for (const r of roots) {
    const n = r.node as ThreadNode;
    if (n.msg !== null || n.children.length > 1) out.push(n);
    else if (n.children[0] !== undefined) out.push(n.children[0]);
  }
  return out;
}

/** REFERENCES step 5: threads whose subjects are the same base subject are put together. */
function groupBySubject(roots: ThreadNode[]): ThreadNode[] {
  // (A, B) One thread per subject: a dummy wins, then one that is not a reply or forward.
  const table = new Map<string, ThreadNode>();
  for (const n of roots) {
    const lead = leadOf(n);
    if (lead === null || lead.subject === "") continue;
    const held = table.get(lead.subject);
    if (held === undefined) table.set(lead.subject, n);
    else if (held.msg !== null && (n.msg === null || (leadOf(held)?.replyOrForward === true && !lead.replyOrForward))) table.set(lead.subject, n);
  }
  // (C) The others merge into it.
  const out: ThreadNode[] = [];
  for (const n of roots) {
    const lead = leadOf(n);
    const held = lead === null || lead.subject === "" ? undefined : table.get(lead.subject);
    if (held === undefined || held === n || lead === null) {
      out.push(n);
      continue;
    }
    if (held.msg === null && n.msg === null) {
      for (const c of n.children) held.children.push(c);
    } else if (held.msg === null) {
      held.children.push(n);
    } else if (lead.replyOrForward && leadOf(held)?.replyOrForward !== true) {
      held.children.push(n);
    } else {
      // Neither is the other's parent: the held node becomes a new dummy holding both, in its place.
      held.children = [{ msg: held.msg, children: held.children }, n];
      held.msg = null;
    }
  }
  return out;
}

/** REFERENCES step 6: every set of siblings sorted, children before their parents. */
function sortSiblings(roots: ThreadNode[]): void {
  const preorder: ThreadNode[] = [];
  const stack = [...roots];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    preorder.push(n);
    for (const c of n.children) stack.push(c);
  }
  for (let i = preorder.length - 1; i >= 0; i--) (preorder[i] as ThreadNode).children.sort(compareNodes);
  roots.sort(compareNodes);
}

/** REFERENCES (RFC 5256 §3): `messages` in sequence order. */
export function referencesThreads(messages: readonly ThreadInput[]): ThreadNode[] {
  const roots = pruneDummies(linkReferences(messages));
  sortSiblings(roots); // step 4 (the root set by date, a dummy by its first child), before step 5 picks first children
  const grouped = groupBySubject(roots);
  sortSiblings(grouped);
  return grouped;
}

/**
 * The THREAD response's list (RFC 5256 §4): a thread is "(" its first message, the messages that
 * follow it one to one, and then each branch of a fork in its own parentheses ")"; a dummy is
 * only its branches. Built with an explicit stack.
 */
export function formatThreads(roots: readonly ThreadNode[]): string {
  const out: string[] = [];
  type Item = string | { node: ThreadNode; wrap: boolean };
  const stack: Item[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i] as ThreadNode, wrap: true });
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === "string") {
      out.push(item);
      continue;
    }
    const { node, wrap } = item;
    // Pushed in reverse: what is written first is popped first.
    const kids = node.children;
    if (wrap) stack.push(")");
    if (kids.length === 1 && node.msg !== null) stack.push({ node: kids[0] as ThreadNode, wrap: false }, " ");
    else if (kids.length > 0) {
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i] as ThreadNode, wrap: true });
      if (node.msg !== null) stack.push(" ");
    }
    if (node.msg !== null) stack.push(String(node.msg.id));
    if (wrap) stack.push("(");
  }
  return out.join("");
}
