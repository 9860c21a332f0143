import AnonVMASim
import TermRender

/// Below the forest: violations first, then each anon_vma (counters, same_anon_vma list, pages,
/// lock holders and waiters), KSM stable nodes, and the rmap walk of the step.
struct ForestDetails: Widget {
  var layout: Layout
  var covered: Set<AnonVMAID>
  var selected: AnonVMAID?
  var theme: Theme
  /// In a comparison: the anon_vmas that differ from the other model (marked `≠`).
  var differs: Set<AnonVMAID> = []

  func render(in area: Rect, into b: inout Buffer) {
    LineList(lines: lines(width: area.width, limit: area.height), theme: theme).render(in: area, into: &b)
  }

  func lines(width: Int, limit: Int) -> [Line] {
    let w = layout.world
    let g = theme.glyphs
    let columns = layout.columns
    var lines: [Line] = []
    let pagesByAnonVMA = layout.pagesByAnonVMA
    // Violations first: they are the lesson when they happen.
    for v in w.violations {
      for l in wrap("  ! \(v.code) at step \(v.step): \(v.message)", max(10, width)) {
        lines.append(Line(l, theme.violation))
      }
    }
    let prev = layout.previous
    var names = VMANames(world: w)
    let shownAVs = window(
      count: columns.count, selected: selected.flatMap { columns.firstIndex(of: $0) } ?? 0, limit: max(4, limit))
    if shownAVs.lowerBound > 0 {
      lines.append(Line("  … \(shownAVs.lowerBound) anon_vmas above (tab to the forest, arrows to move)", theme.hint))
    }
    for a in columns[shownAVs] {
      guard let av = w.anonVMA(a) else { continue }
      var segs: [(String, Style)] = []
      if !av.alive {
        segs.append((g.removed, theme.removed))
        // Several freed in one step: their order is the lesson (newest to oldest, the root last).
        let order =
          w.freedThisStep.count > 1 ? (w.freedThisStep.firstIndex(of: a)).map { " \(ordinal($0 + 1))" } ?? "" : ""
        segs.append((" \(World.avName(a)) freed\(order) in this step", theme.hint))
        lines.append(Line(segments: segs, selected: selected == a))
        continue
      }
      let old = prev?.anonVMA(a)
      if old == nil || old?.alive == false {
        segs.append((g.added, theme.added))
      } else if old != av {
        segs.append((g.changed, theme.changed))
      } else {
        segs.append((" ", theme.text))
      }
      let inLens = covered.contains(a)
      segs.append((inLens ? g.bar : " ", theme.lockLens))
      var text = World.avName(a)
      if let root = av.root { text += root == a ? " root" : " \(g.arrow)\(World.avName(root))" }
      text += " " + Marks.counters(av, w)
      // Names up to about three lines (a root's list can hold thousands of VMAs).
      let budget = max(10, width - 2) * 3
      let listed = w.listVMAs(a)
      text += " [" + shortList(listed.lazy.map { names.name($0) }, count: listed.count, budget: budget) + "]"
      let pagesHere = pagesByAnonVMA[a] ?? []
      if !pagesHere.isEmpty {
        text += " " + shortList(pagesHere.lazy.map { World.pageName($0) }, count: pagesHere.count, budget: budget)
      }
      let textStyle = inLens ? theme.lockLens : theme.text
      let differing = differs.contains(a)
      let wrapped = wrap(text, max(10, width - (differing ? 5 : 2)))
      segs.append((wrapped.first ?? text, textStyle))
      if differing { segs += [(" ", theme.text), (g.differs, theme.differs)] }
      lines.append(Line(segments: segs, selected: selected == a))
      for more in wrapped.dropFirst() { lines.append(Line("     " + more, textStyle)) }
      for h in w.lockHolders[a] ?? [] {
        let mode = h.mode == .exclusive ? "" : " for \(h.mode.rawValue)"
        let text = "\(g.lock) LOCKED by cpu\(h.cpu)\(mode)\(Marks.lockCredit(h, w))"
        for (i, l) in wrap(text, max(10, width - 5)).enumerated() {
          lines.append(Line(segments: [(i == 0 ? "   " : "     ", theme.text), (l, theme.lockHeld)]))
        }
      }
      let waiters = w.cpus.filter { $0.waitingFor == a && ($0.state == .blocked || $0.state == .deadlocked) }
      if !waiters.isEmpty {
        let text =
          "   waiting: " + waiters.map { "\($0.name) \($0.state.rawValue) (\($0.op ?? ""))" }.joined(separator: ", ")
        lines.append(Line(text, theme.waiting))
      }
    }
    if shownAVs.upperBound < columns.count {
      lines.append(Line("  … \(columns.count - shownAVs.upperBound) more anon_vmas below", theme.hint))
    }
    for node in w.stableNodes where node.alive {
      let items = node.items.map { "\(w[process: $0.process].name)\(g.arrow)\(World.avName($0.anonVMA))" }
      for l in wrap(
        "  K\(node.id) \(World.pageName(node.page)) rmap_items: \(items.joined(separator: " "))", max(10, width))
      {
        lines.append(Line(l))
      }
    }
    // Only in the step that made it: later steps can move the page or free what it visited.
    if let walk = w.lastWalk, walk.step == w.step {
      for l in walkLines(walk, width: max(10, width)) { lines.append(Line(l, theme.rmapWalk)) }
    }
    return lines
  }

  /// The step's rmap walk: its page and the anon_vma it walked (as the diagram's label on that
  /// anon_vma's edge), the lock it took when that is another's (the root's), where it began,
  /// then each VMA it visited with what it found there, in walk order, and the VMAs it skipped.
  /// At most three lines: what does not fit ends in `…+N more`, between two VMAs, never inside
  /// a word.
  func walkLines(_ walk: RmapWalk, width: Int, maxLines: Int = 3) -> [String] {
    var head = "  rmap walk of \(World.pageName(walk.page))"
    if let a = walk.anonVMA { head += " in \(World.avName(a))" }
    if let l = walk.lock, l != walk.anonVMA { head += " under \(World.avName(l))'s lock" }
    // Where the walk began (the step may only finish it: `on cpu1 finish`), a name kept whole.
    head += ", from \(unbreakable(walk.origin))"
    var items = walk.visited.map { name in
      switch walk.found[name] {
      case nil: name
      case "no pte"?: "\(name) no pte"
      case let found?: "\(name) \(theme.isASCII ? "" : "✓")\(found)"
      }
    }
    items += walk.skipped.map { "\($0) skipped" }
    if items.isEmpty { items = ["visited none"] }
    // Each row: its fixed start (the head's words, or an indent) and the items after it.
    let headLines = wrap(head + ":", width)
    var rows: [(start: String, items: [String])] = headLines.dropLast().map { ($0, []) }
    rows.append(((headLines.last ?? head + ":") + " ", []))
    func text(_ row: (start: String, items: [String]), _ extra: String? = nil) -> String {
      row.start + (row.items + (extra.map { [$0] } ?? [])).joined(separator: ", ")
    }
    for (i, item) in items.enumerated() {
      if Buffer.width(text(rows[rows.count - 1], item)) <= width {
        rows[rows.count - 1].items.append(item)
      } else if rows.count < maxLines {
        rows.append(("    ", [item]))
      } else {
        // No room for the rest: say how many, giving up whole items from the end until it fits.
        var left = items.count - i
        while !rows[rows.count - 1].items.isEmpty,
          Buffer.width(text(rows[rows.count - 1], "\(theme.glyphs.ellipsis)+\(left) more")) > width
        {
          rows[rows.count - 1].items.removeLast()
          left += 1
        }
        rows[rows.count - 1].items.append("\(theme.glyphs.ellipsis)+\(left) more")
        break
      }
    }
    return rows.map { row in
      var line = text(row)
      while line.last == " " { line.removeLast() }
      return line
    }
  }
}

/// VMA names (``World/vmaName(_:)``) built once each: the lists of a forest's anon_vmas begin
/// with the same newest VMAs, and a name is built in about a microsecond.
struct VMANames {
  let world: World
  private var built: [VMAID: String] = [:]

  init(world: World) { self.world = world }

  mutating func name(_ v: VMAID) -> String {
    if let name = built[v] { return name }
    let name = world.vmaName(v)
    built[v] = name
    return name
  }
}
