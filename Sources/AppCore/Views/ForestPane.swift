import AnonVMASim
import TermRender

/// The anon_vma forest pane: the forest as a matrix or a tree, then each anon_vma's details.
struct ForestPane: Widget {
  var layout: Layout
  var covered: Set<AnonVMAID>
  /// What the `▌` marks mean on screen (`Layout.lockView`).
  var lockLegend = Layout.LockLegend()
  var selectedAV: AnonVMAID?
  var treeLayout: Bool
  var focused: Bool
  var theme: Theme
  /// In a comparison: what differs from the other model (marked `≠`).
  var differs = CompareDiff()

  func render(in r: Rect, into b: inout Buffer) {
    let title = treeLayout ? "anon_vma forest (tree)" : "anon_vma forest"
    Block(title: title, focused: focused, theme: theme).render(in: r, into: &b)
    let inner = r.inset(1)
    var lines: [Line] = []
    if layout.columns.isEmpty {
      for l in wrap(" no anon_vma yet: the first write fault creates one", inner.width) {
        lines.append(Line(l, theme.hint))
      }
    } else if treeLayout {
      // 2.6.3x has no anon_vma->parent: the edges are the fork order (``ForestTree``), said so
      // lest the tree read as a field the kernel keeps.
      if !layout.world.kernel.isModern {
        let field =
          layout.world.kernel == .v2_6_34 ? "2.6.34 keeps neither ->parent nor ->root" : "2.6.36 keeps only ->root"
        for l in wrap("edges: fork order, read from the chains (\(field))", inner.width) {
          lines.append(Line(l, theme.hint))
        }
      }
      lines += ForestTree(layout: layout, covered: covered, selected: selectedAV, theme: theme).lines
    } else {
      let matrix = ForestMatrix(
        layout: layout, covered: covered, lockLegend: lockLegend, selected: selectedAV, theme: theme,
        differs: differs)
      lines += matrix.lines(width: inner.width, maxRows: inner.height / 2)
    }
    lines.append(Line(""))
    let details = ForestDetails(
      layout: layout, covered: covered, selected: selectedAV, theme: theme, differs: differs.anonVMAs)
    lines += details.lines(width: inner.width, limit: inner.height)
    LineList(lines: lines, theme: theme).render(in: inner, into: &b)
  }
}

/// The forest as a matrix: a row per VMA, a column per anon_vma, `◉` where vma->anon_vma points
/// and `●` where the VMA's anon_vma_chain links it.
struct ForestMatrix: Widget {
  var layout: Layout
  /// The anon_vmas under a held lock (their rows and columns marked `▌`), and what that means.
  var covered: Set<AnonVMAID>
  var lockLegend = Layout.LockLegend()
  var selected: AnonVMAID?
  var theme: Theme
  /// In a comparison: what differs from the other model (columns and rows marked).
  var differs = CompareDiff()

  func render(in area: Rect, into b: inout Buffer) {
    LineList(lines: lines(width: area.width, maxRows: area.height), theme: theme).render(in: area, into: &b)
  }

  func lines(width: Int, maxRows: Int) -> [Line] {
    let w = layout.world
    let g = theme.glyphs
    let columns = layout.columns
    var lines: [Line] = []
    let rows = layout.orderedVMAs
    let shownRows = window(count: rows.count, selected: 0, limit: max(4, maxRows))
    let labelW = min(20, max(8, rows[shownRows].map { Buffer.width(w.vmaName($0)) }.max() ?? 8)) + 1
    let colW = ForestMatrix.columnWidth(columns)
    let fit = max(1, (width - labelW - 8) / colW)
    // Scroll the columns so the selected anon_vma is visible.
    let selectedColumn = selected.flatMap { columns.firstIndex(of: $0) } ?? 0
    let first = columns.count <= fit ? 0 : max(0, min(columns.count - fit, selectedColumn - fit / 2))
    let shown = Array(columns.dropFirst(first).prefix(fit))
    var header: [(String, Style)] = [(String(repeating: " ", count: labelW + 2), theme.text)]
    if first > 0 { header[0] = (("\(first)← ").padding(labelW + 2), theme.hint) }
    for a in shown {
      let freed = !(w.anonVMA(a)?.alive ?? false)
      if differs.anonVMAs.contains(a) {
        // Differing from the other model: the name alone marked (colour, bold, underline).
        header += [(World.avName(a), theme.differs), ("".padding(colW - World.avName(a).count), theme.text)]
        continue
      }
      let style = covered.contains(a) ? theme.lockLens : freed ? theme.freedColumn : theme.strong
      header.append((World.avName(a).padding(colW), style))
    }
    let after = columns.count - first - shown.count
    if after > 0 { header.append(("+\(after)→", theme.hint)) }
    lines.append(Line(segments: header))
    for id in rows[shownRows] {
      let chain = w.chainAnonVMAs(id)
      let mark = Marks.diff(theme, vma: id, w, layout.previous)
      let linked = chain.contains { covered.contains($0) }
      var segs: [(String, Style)] = [mark, (linked ? g.bar : " ", theme.lockLens)]
      segs.append((String(w.vmaName(id).prefix(labelW - 1)).padding(labelW), linked ? theme.lockLens : theme.text))
      let ownAnonVMA = w.vmas.withObject(id) { $0.anonVMA } ?? nil
      for a in shown {
        let own = ownAnonVMA == a
        let glyph = own ? g.own : chain.contains(a) ? g.chain : g.none
        let style = own ? theme.ownAnonVMA : chain.contains(a) ? theme.chainLink : theme.noLink
        segs.append((glyph.padding(colW), style))
      }
      if differs.vmas.contains(id) { segs.append((g.differs, theme.differs)) }
      lines.append(Line(segments: segs))
    }
    if shownRows.count < rows.count {
      lines.append(
        Line("  … \(rows.count - shownRows.count) more VMA rows: every VMA is on the anon_vma lines below", theme.hint))
    }
    // The lock mark is explained where it is drawn: beside the others, shorter where the line is
    // short, else on lines of its own.
    let lock = covered.isEmpty ? "" : "\(g.bar) \(lockLegend.long)"
    let marks = "  \(g.own) vma->anon_vma  \(g.chain) chain"
    if Buffer.width(marks + "  " + lock) <= width {
      lines.append(Line(marks + (lock.isEmpty ? "" : "  " + lock), theme.hint))
    } else if Buffer.width(marks + "  \(g.bar) " + lockLegend.short) <= width {
      lines.append(Line(marks + "  \(g.bar) " + lockLegend.short, theme.hint))
    } else {
      lines.append(Line(marks, theme.hint))
      for l in wrap(lock, max(10, width - 2)) { lines.append(Line("  " + l, theme.hint)) }
    }
    return lines
  }
}

extension ForestMatrix {
  /// A column's width: the longest `AVn` name and a space, at least 4. The longest name is the
  /// highest id's or, were there negative ones, the lowest's (the digits grow with the size);
  /// a large forest has thousands of columns, too many to name each a frame.
  static func columnWidth(_ columns: [AnonVMAID]) -> Int {
    guard let low = columns.min(), let high = columns.max() else { return 4 }
    return max(4, World.avName(low).count + 1, World.avName(high).count + 1)
  }
}

/// The forest as a tree: each anon_vma under its parent, with the VMAs on its same_anon_vma
/// list. The parent is the kernel's `anon_vma->parent` where the model has one (6.x), else the
/// next, older anon_vma in the chain of a VMA that owns it; an anon_vma no chain reaches any more
/// (its VMAs gone, kept alive by a KSM or migration pin) stays under its root (2.6.36's
/// `anon_vma->root`) rather than looking like a tree of its own.
struct ForestTree: Widget {
  var layout: Layout
  var covered: Set<AnonVMAID>
  var selected: AnonVMAID?
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    LineList(lines: lines, theme: theme).render(in: area, into: &b)
  }

  var lines: [Line] {
    let w = layout.world
    let g = theme.glyphs
    let columns = layout.columns
    var parent: [AnonVMAID: AnonVMAID] = [:]
    for a in columns {
      if let p = w.anonVMA(a)?.parent, p != a { parent[a] = p }
    }
    for id in layout.orderedVMAs {
      let chain = w.chainAnonVMAs(id)
      for (i, a) in chain.enumerated() where i + 1 < chain.count && parent[a] == nil { parent[a] = chain[i + 1] }
    }
    for a in columns where parent[a] == nil {
      if let r = w.anonVMA(a)?.root, r != a { parent[a] = r }
    }
    var lines: [Line] = []
    func visit(_ a: AnonVMAID, depth: Int) {
      let prefix = depth == 0 ? "" : String(repeating: "  ", count: depth - 1) + g.branch
      let vmas = w.anonVMA(a).map { w.listVMAs($0.id).map { w.vmaName($0) } } ?? []
      let style = covered.contains(a) ? theme.lockLens : theme.strong
      lines.append(
        Line(
          segments: [(" " + prefix + World.avName(a), style), ("  " + vmas.joined(separator: " "), theme.text)],
          selected: selected == a))
      for c in columns where parent[c] == a && c != a { visit(c, depth: depth + 1) }
    }
    for a in columns where parent[a] == nil || !columns.contains(parent[a] ?? 0) { visit(a, depth: 0) }
    return lines
  }
}
