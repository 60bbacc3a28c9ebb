// One budget for the bytes every session has received and not yet handled
// (a message in progress, requests waiting their turn), so that many sessions
// each within max-message-bytes cannot together hold more than the budget.
// Past it, the session holding the most is ended: the one an attack that
// fills the budget most likely comes from.

export interface BudgetHolder {
  /** the budget is exceeded and this holder holds the most: end it */
  overBudget(heldBytes: number, budgetBytes: number): void;
}

export class InputBudget {
  private readonly held = new Map<BudgetHolder, number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held by all holders now. */
  get heldBytes(): number {
    return this.total;
  }

  /** Records what one holder holds now (0 releases it); ends the largest holders while over budget. */
  set(holder: BudgetHolder, bytes: number): void {
    this.total += bytes - (this.held.get(holder) ?? 0);
    if (bytes === 0) this.held.delete(holder);
    else this.held.set(holder, bytes);
    while (this.total > this.maxBytes) this.evictLargest();
  }

  private evictLargest(): void {
    // on a tie the newest: the holder that came last to a full budget
    let largest: BudgetHolder | undefined;
    let most = -1;
    for (const [h, bytes] of this.held) {
      if (bytes >= most) {
        largest = h;
        most = bytes;
      }
    }
    if (!largest) return;
    this.held.delete(largest);
    this.total -= most;
    largest.overBudget(most, this.maxBytes);
  }
}
