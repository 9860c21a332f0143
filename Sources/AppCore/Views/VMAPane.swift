import AnonVMASim
import TermRender

/// The processes & VMAs pane: processes in fork-tree order with their VMAs, diff and lock marks,
/// folded runs of identical subtrees.
struct VMAPane: Widget {
  var layout: Layout
  /// anon_vmas in the lock lens (`Marks.lockedForest`).
  var covered: Set<AnonVMAID>
  var selectedVMA: VMAID?
  var focused: Bool
  var theme: Theme
  /// In a comparison: what differs from the other model (marked `≠`).
  var differs = CompareDiff()

  func render(in r: Rect, into b: inout Buffer) {
    Block(title: "processes & VMAs", focused: focused, theme: theme).render(in: r, into: &b)
    LineList(lines: lines(width: r.width, height: r.height), theme: theme).render(in: r.inset(1), into: &b)
  }

  /// The pane's lines for a pane of `width` × `height` (box included).
  func lines(width: Int, height: Int) -> [Line] {
    let g = theme.glyphs
    let w = layout.world
    let rows = layout.rows
    var lines: [Line] = []
    let selectedRow = selectedVMA.flatMap { id in rows.firstIndex { $0.vma == id } } ?? 0
    let shown = window(count: rows.count, selected: selectedRow, limit: max(4, height * 2))
    if shown.lowerBound > 0 { lines.append(Line("  … \(shown.lowerBound) rows above", theme.hint)) }
    for row in rows[shown] {
      let indent = String(repeating: "  ", count: row.depth)
      if let f = row.folded {
        let prefix = row.depth == 0 ? "" : String(repeating: "  ", count: row.depth - 1) + g.branch
        lines.append(
          Line(segments: [
            ("  " + prefix + "\(g.times)\(f.count) more like the one above: \(f.first)..\(f.last)", theme.fold),
            ("  (z unfolds)", theme.hint),
          ]))
        continue
      }
      if let id = row.freedVMA, let v = layout.previous?.vmas[id] {
        lines.append(
          Line(segments: [
            (g.removed, theme.removed),
            (
              " \(indent)  \(v.mapping)@\(v.firstPage) \(v.firstPage)..\(v.firstPage + v.pages - 1) (freed)", theme.hint
            ),
          ]))
        continue
      }
      guard let id = row.vma, let v = w.vmas[id] else {
        let p = w[process: row.process]
        let prefix = row.depth == 0 ? "" : String(repeating: "  ", count: row.depth - 1) + g.branch
        var segs: [(String, Style)] = [("  " + prefix + p.name, p.alive ? theme.strong : theme.exited)]
        if !p.alive { segs.append((" (exited)", theme.exited)) }
        if differs.processes.contains(row.process) { segs += [(" ", theme.text), (g.differs, theme.differs)] }
        lines.append(Line(segments: segs))
        continue
      }
      let mark = Marks.diff(theme, vma: id, w, layout.previous)
      let linked = w.chainAnonVMAs(id).contains { covered.contains($0) }
      let lockMark = linked ? (g.bar, theme.lockLens) : (" ", theme.text)
      let range = " \(v.firstPage)..\(v.firstPage + v.pages - 1)"
      let anon = v.anonVMA.map { "\(g.arrow)\(World.avName($0))" } ?? "-"
      let pgoff = w.pgoffName(id).map { " pgoff " + $0 } ?? ""
      let rest = " \(v.prot.rawValue)\(pgoff) \(anon)" + (v.detached ? " (detached)" : "")
      let name = w.vmaShortName(id)
      var text = "\(indent)  \(name)\(range)\(rest)"
      // Too wide for the pane: the page range goes first, the anon_vma and "(detached)" stay.
      if Buffer.width(text) > width - 6 { text = "\(indent)  \(name)\(rest)" }
      var segs = [mark, lockMark, (text, linked ? theme.lockLens : theme.text)]
      if differs.vmas.contains(id) {
        segs[2].1 = theme.differs
        segs += [(" ", theme.text), (g.differs, theme.differs)]
      }
      lines.append(Line(segments: segs, selected: selectedVMA == id))
    }
    if lines.isEmpty {
      let none = layout.world.processes.isEmpty ? "  (no processes yet)" : "  (no processes left)"
      lines.append(Line(none, theme.hint))
    }
    return lines
  }
}
