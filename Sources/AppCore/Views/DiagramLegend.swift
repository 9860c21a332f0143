import TermRender

/// The legend over the diagram (`L`): every glyph, counter and abbreviation the diagram draws,
/// in the bottom right corner of the pane (the step goes on under it).
struct DiagramLegend: Widget {
  var ascii: Bool
  var theme: Theme

  /// (glyph or sample, what it means).
  var entries: [(String, String)] {
    let u = !ascii
    return [
      (u ? "┌─ P2 ─┐" : "+- P2 -+", "a process (mm) holding its VMAs; a child's box hangs under its parent's"),
      (u ? "└►" : "`>", "fork: parent to child"),
      ("A@0 0..3 rw", "a VMA: mapping A from page 0, pages 0..3, protection"),
      (u ? "─►" : "->", "vma->anon_vma: the VMA's own anon_vma"),
      (u ? "→AV7" : "->AV7", "vma->anon_vma written on the row (no lane free for an arrow)"),
      ("chain AV3 AV1", "the VMA's anon_vma_chain (same_vma), newest first"),
      (u ? "┏━ AV1 root ━┓" : "+= AV1 root =+", "the root anon_vma of its forest (heavy box)"),
      (u ? "═◄" : "=<", "anon_vma->root (double line)"),
      (u ? "┄◄" : "..<", "anon_vma->parent (6.x, dashed)"),
      ("list", "same_anon_vma: the VMAs whose chain links it, in list order"),
      ("pages", "pages filed in it (page->mapping)"),
      ("ext N", "external_refcount (2.6.36); ksm N: ksm_refcount (2.6.34)"),
      ("ref nc act", "6.x: refcount, num_children, num_active_vmas"),
      (u ? "▌ heavy" : "| heavy", "inside a held anon_vma lock's reach; the label names holder and operation"),
      ("rmap #N", "the reverse-map walk visited this VMA N-th; rmap skipped: passed over"),
      (u ? "+ ~ −" : "+ ~ -", "new, changed, freed in this step (freed ones keep their place one step)"),
      (u ? "×N" : "xN", "N identical sibling subtrees folded into one box (z unfolds)"),
      (u ? "┆ KSM ┆" : ": KSM :", "a KSM stable node and the anon_vmas its rmap_items hold"),
    ]
  }

  func render(in area: Rect, into b: inout Buffer) {
    let sampleW = entries.map { Buffer.width($0.0) }.max() ?? 8
    let lines = entries.map { $0.0 + String(repeating: " ", count: sampleW - Buffer.width($0.0)) + "  " + $0.1 }
    let w = min(area.width - 2, (lines.map { Buffer.width($0) }.max() ?? 0) + 4)
    let h = min(area.height, lines.count + 2)
    guard w >= 20, h >= 3 else { return }
    let r = Rect(x: area.maxX - w, y: area.maxY - h, width: w, height: h)
    b.fill(r)
    Block(title: "legend (L closes)", focused: true, theme: theme).render(in: r, into: &b)
    LineList(lines: lines.map { Line($0) }, theme: theme).render(in: r.inset(1), into: &b)
  }
}
