import AnonVMASim

extension ForestDiagram {
  /// What every glyph, line style, mark, counter and abbreviation of the diagram means, one
  /// line each, in the kernel's words for `kernel` (its counters), in Unicode or ASCII as the
  /// diagram is drawn (the `L` legend); in a comparison with `compared`, its counters too.
  public static func legend(kernel: KernelVersion, ascii: Bool = false, compared: KernelVersion? = nil) -> [String] {
    let u = !ascii
    let arrow = u ? "─►" : "->"
    var lines = [
      "Boxes",
      (u ? "┌─ P1 ─┐" : "+- P1 -+") + "  a process (its mm); a child's box hangs under its parent's: "
        + (u ? "┬ │ └►" : "+ | `>") + " fork edge, parent to child; `P9 child of P8` past 8 generations",
      "  A@0 0..3 rw  a VMA: mapping A, first page 0 of it, pages 0..3, protection rw or ro; pages are "
        + "numbered from where A's mmap placed it: b@-4 -4..3 starts 4 pages below, where it grew down (a merge, a stack's growth)",
      "  pgoff heap@2  vm_pgoff where it is not vm_start: the page whose page->index the VMA's first page "
        + "has (the rmap looks for a page at vm_start + page->index - vm_pgoff); mremap keeps the pages' "
        + "offset, and vma_adjust stores vm_start before vm_pgoff (the D2 race reads it in between)",
      "  A@0(new)  __split_vma's new VMA, before vma_adjust moves the old one's vm_start and links it into the mm",
      "  chain AV2 AV1  the VMA's anon_vma_chain (same_vma list), head (newest) first",
      "  chain 3  the chain's length, where the pane is narrow: select the VMA to see its entries as connectors",
      "  " + (u ? "→" : "->") + "AV7  vma->anon_vma written on the row where no lane was left for its arrow",
      (u ? "┏━ AV1 root ━┓" : "+= AV1 root =+") + "  the root anon_vma: `root` in its title, a heavy box; "
        + (u ? "┌─ AV2 ─┐" : "+- AV2 -+") + " another anon_vma (heavy too inside a held lock's reach, "
        + (u ? "▌" : "|") + ")",
    ]
    // Each model's counters: in a comparison the other half's too (`ksm N` beside `ext N`).
    for k in [kernel] + [compared].compactMap({ $0 }).filter({ $0 != kernel }) {
      lines.append(counterLine(k))
    }
    lines += [
      "  list P1:A@0 P2:A@0 " + (u ? "…" : "...") + "+N  "
        + listMeaning(kernel.isModern, (compared ?? kernel).isModern) + "; +N more",
      "  pages pg1 pg2  pages whose page->mapping is this anon_vma; none, (empty), freed",
      "  pages pg1@0" + (u ? "×" : "x") + "2  in a large pane: the page's page->index (0) and mapcount (2)",
      "  PTEs 0:pg1 rw, 1:pg2 ro KSM, 2:swap1  in a large pane, under a VMA: its page-table entries by page of "
        + "the mapping (a page, writable or read-only, KSM's; zero; a swap entry's slot; migrating); a row cut to "
        + "fit keeps the entries the step changed, " + (u ? "…" : "...") + "+N in place of those left out",
      (u ? "┌┄ KSM stable node K1 ┄┐" : "+- KSM stable node K1 -+")
        + "  a KSM stable node: its page, then its rmap_items in list order, each holding a reference on its "
        + "VMA's anon_vma: rmap_item P2 A 0 (its mm and address: process, mapping, page, as ksm-merge P2 A 0 "
        + "writes them; (exited): its process exited, ksmd has yet to drop it) with an arrow to it, or P2 A 0"
        + (u ? "→" : "->")
        + "AV2 where the pane is narrow",
      "Arrows",
      arrow + "  vma->anon_vma, from the VMA's row into its anon_vma",
      (u ? "═◄" : "=<") + "  anon_vma->root (double line)" + (kernel == .v2_6_34 ? " (not in 2.6.34)" : ""),
      (u ? "┤ ─◄" : "+ -<") + "  rmap_item->anon_vma, from a KSM stable node's rmap_item into the anon_vma's last row "
        + "(the reference " + (kernel.isModern ? "get_anon_vma" : "hold_anon_vma")
        + " took in try_to_merge_with_ksm_page: the anon_vma can outlive its VMAs)",
      (u ? "┄◄" : "-<") + "  anon_vma->parent (dashed)" + (kernel.isModern ? "" : " (6.1 and mainline only)"),
      (u ? "━► pg1→AV1 freed" : "=> pg1->AV1 freed")
        + "  page->mapping of a mapped page still naming a freed anon_vma: a use-after-free (heavy, red)",
      u ? "► ◄ ▲ ▼  arrowheads" : "> < ^ v  arrowheads",
      (u
        ? "├ ┤ ┬ ┴ ┼ ┌ ┐ └ ┘ ─ │ ┣ ┫ ┳ ┻ ╋ ┏ ┓ ┗ ┛ ━ ┃ ╠ ╣ ╦ ╩ ╬ ╔ ╗ ╚ ╝ ═ ║ ┄ ┆"
        : "+ - | = :") + "  lines and their joins; a line passing over another crosses it " + (u ? "(─│─)" : "(-|-)"),
      "Marks",
      "+  new in this step   ~  changed (pages alone too)   " + (u ? "−" : "-")
        + "  freed or exited (drawn in its place once; a freed anon_vma a page still points at, as long as one does); "
        + "on a box's title, the box; on a VMA row's left border, in a changed box, that VMA: "
        + (u ? "+▌A@0" : "+|A@0") + " split off or mapped, ~ range, protection, anon_vma or chain changed, "
        + (u ? "−" : "-") + " freed (merged away, unmapped)",
      "!C12  an invariant the checker found violated in this step, on the objects it names; its text under the "
        + "diagram (C12 page safety: a mapped page, its anon_vma alive and on the VMA's chain)",
      (u ? "░" : ":") + "  a held lock's outline around all it covers: AV1 lock: cpu0 (fork P1 P2), "
        + "shared: cpu0 cpu1 (read); waiting: cpu1",
      (u ? "▌" : "|") + "  inside the held lock's reach (anon_vma, or a VMA on a covered list); heavy box",
      "  locked by cpu0 write (op); waiting cpu1  who holds and waits for a lock, beside the box "
        + "(where the pane is narrow: in the pane's locks line, under the diagram)",
      "  rmap walk of pg1 from P1 A 0: the walk, on the bottom edge of the anon_vma it walks; rmap #1 #2 visit order; rmap skipped: the page's address "
        + "falls outside the VMA",
      "  rmap #1 " + (u ? "✓" : "") + "maps: the VMA's PTE maps the page (" + (u ? "✓" : "")
        + "unmapped, " + (u ? "✓" : "") + "remapped: the walk unmapped it, or restored it after migration); "
        + "rmap #2 no pte: visited, but no PTE there maps the page; on a narrow row shorter: #1 "
        + (u ? "✓" : "") + "maps, #1 " + (u ? "✓" : "") + ", #1, skipped",
      (u ? "◆  selected   ◇  " : "*  selected   o  ")
        + "what it points to or is pointed to by (a page, pg1: its anon_vma or KSM stable node and the VMAs "
        + "whose PTEs map it)   " + (u ? "≠" : "!") + "  differs from the other model",
      "1" + (u ? "►" : ">") + " 2" + (u ? "►" : ">")
        + "  the selected VMA's anon_vma_chain, one connector per entry in list order; a selected anon_vma's "
        + "list: 1 2 3 on its VMAs' rows, in list order",
      (u ? "…" : "..") + "  text cut to fit; "
        + (u ? "×N more like the one above: P3…P7" : "xN more like the one above: P3...P7")
        + "  a fold of identical subtrees, and their anon_vmas (" + (u ? "×" : "x")
        + "5 anon_vmas of folded processes)",
      "Around the diagram",
      (u ? "↓ 7 more: +AV3  ↑ 2 more  9 cols right" : "v 7 more: +AV3  ^ 2 more  9 cols right")
        + "  on the pane's border: rows of the diagram below the window (the first two boxes there that the "
        + "step made +, freed " + (u ? "−" : "-") + " or changed ~), above it, columns beside it (Tab to the forest, "
        + "then PgDn PgUp, or the wheel, scroll); " + (u ? "↑" : "^")
        + " AV1 lock: cpu0 (fork P1 P2)  a held lock whose "
        + "outline's label is above the window",
      "  locks: cpu0 locks AV1 (fork P1 P2: anon_vma_lock) " + (u ? "×" : "x")
        + "2  the locks the step took, in order, by whom; outline: micro-step 5  the outline is drawn as the lock "
        + "stood then (the step's most telling hold, else the last), the boxes as the step left them; less AV1 (freed by the step's end): "
        + "an anon_vma it covered that the step freed; cpu0 releases AV1: a lock held before the step, released in "
        + "it (a step that only releases is drawn at its end, no outline); cpu1 waits for AV1 (waited: no longer "
        + "at the step's end)",
      "  2p 3v 2av 4avc 1pg  the status line's totals: live processes, VMAs, live anon_vmas, anon_vma_chains, "
        + "pages mapped or pinned",
      "  cpu0" + (u ? "·" : ".") + " idle   cpu0" + (u ? "▶" : ">") + " fork  running an operation   cpu1"
        + (u ? "‖" : "B") + " exit  blocked, waiting for a lock   cpu1" + (u ? "✖" : "X")
        + "  deadlocked (the status line's CPUs)",
    ]
    return lines
  }

  /// The line of `kernel`'s anon_vma counters.
  static func counterLine(_ kernel: KernelVersion) -> String {
    switch kernel {
    case .v2_6_36:
      "  ext N  external_refcount (2.6.36): get_anon_vma pins, by KSM, migration and, on the root, each "
        + "other anon_vma of its forest (anon_vma_fork)"
    case .v2_6_34: "  ksm N  ksm_refcount (2.6.34: KSM pins; 2.6.34 has no anon_vma->root)"
    case .v6, .mainline:
      "  ref N nc N act N  refcount, num_children (anon_vmas whose parent it is), num_active_vmas (6.1, mainline)"
    }
  }

  /// What a box's `list` row is, in the words of the models shown (2.6.x a list, 6.x a tree).
  static func listMeaning(_ modern: Bool, _ comparedModern: Bool) -> String {
    switch (modern, comparedModern) {
    case (true, true):
      "the anon_vma's interval tree (rb_root) in walk order: process:VMA by first page offset, equals in insertion order"
    case (false, false): "the same_anon_vma list: process:VMA, head first"
    default: "2.6.x: the same_anon_vma list, head first; 6.x: the interval tree (rb_root) in walk order"
    }
  }
}
