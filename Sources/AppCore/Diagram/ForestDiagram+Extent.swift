import AnonVMASim

extension ForestDiagram {
  /// The height of the unfolded diagram of `w` (``init(rows:options:)`` with `fold` off), from
  /// the world alone: the boxes' rows counted as ``stackProcesses(_:previous:)`` and
  /// ``stackAnonVMAs(_:previous:locks:)`` stack them, without a label, list or title written. A
  /// forest too tall for its pane shows the folded diagram, and never needs the unfolded one's
  /// rows to learn that (`DiagramExtentTests` compares the two).
  static func unfoldedHeight(_ w: World, options: Options) -> Int {
    let previous = options.previous
    let plan = options.plan
    let outside = outsideMM(w)
    let before = previous.map(outsideMM) ?? [:]
    let tree = forkTree(w, previous: previous, before: before)
    func listed(_ p: ProcessID) -> (vmas: [VMAID], pointing: Bool) {
      let box = boxContents(p, w, previous: previous, outside: outside, before: before)
      return (box?.vmas ?? [], box.map { $0.life != .exited } ?? false)
    }
    // The process boxes, and (unplanned) the first row of a VMA pointing at each anon_vma.
    var processHeight = 0
    var firstRow = IDArray<AnonVMA, Int>(absent: 0)
    var seen = IDArray<AnonVMA, Bool>(absent: false)
    if let plan {
      var extra = plan.processBottom
      for p in tree.shown where plan.processY[p] < 0 {
        extra += max(1, listed(p).vmas.count) + 2
      }
      processHeight = max(plan.processBottom, extra)
    } else {
      var stack = Array(tree.roots.reversed())
      while let p = stack.popLast() {
        let (vmas, pointing) = listed(p)
        var i = 0
        for v in vmas {
          if pointing, let a = w.vmas[v]?.anonVMA, !seen[a] {
            seen[a] = true
            firstRow[a] = processHeight + 1 + i
          }
          i += 1
        }
        processHeight += max(1, i) + 2
        stack += tree.children[p].reversed()
      }
    }
    // The anon_vma boxes: planned ones at their places (one not planned below them all), else
    // each forest's group after a blank row, each box as high as its first VMA's row allows.
    var filed = IDArray<AnonVMA, Bool>(absent: false)
    if plan == nil {
      for page in w.pages where !page.freed {
        if case .anon(let a) = page.mapping { filed[a] = true }
      }
    }
    var y = 0
    var group: AnonVMAID?
    var anonVMAsShown = false
    for a in shownAnonVMAs(w, previous: previous) {
      guard let av = w.anonVMA(a) else { continue }
      anonVMAsShown = true
      if let plan {
        y = max(y, plan.anonVMABottom)
        if plan.anonVMAY[a] < 0 || plan.anonVMAY[a] == y { y += Plan.anonVMAHeight }
      } else {
        // A blank row above each box (a lock's outline runs between a forest's boxes).
        group = w.kernel == .v2_6_34 ? a : (av.root ?? a)
        y += 1
        // Counters, list and pages (`pages none` in 6.x); a freed one: counters and `freed`, and
        // the pages still pointing at it (a use-after-free).
        let lines = (av.alive ? filed[a] || w.kernel.isModern : filed[a]) ? 3 : 2
        y = max(y, firstRow[a] - 1) + lines + 2
      }
    }
    if let plan { y = max(y, plan.anonVMABottom) } else if group != nil { y += 1 }
    // KSM stable nodes: a page line and a line per rmap_item each (``stableNodeLines(_:_:)``),
    // under the anon_vmas or beside the forest.
    let nodeHeights = shownStableNodes(w, previous: previous).map {
      stableNodeHeight(items: $0.freed ? 0 : $0.node.items.count)
    }
    if let plan, plan.ksmUnder {
      let nodes = nodeHeights.reduce(0, +)
      return max(
        processHeight, y, nodes == 0 ? 0 : stableNodesUnderProcesses(plan: plan, processHeight: processHeight) + nodes)
    }
    return heightBeside(
      plan: plan, nodeHeights: nodeHeights, anonVMAsShown: anonVMAsShown, forestBottom: max(processHeight, y),
      height: max(processHeight, y + nodeHeights.reduce(0, +)))
  }

  /// Whether the unfolded diagram of `w` (``init(rows:options:)`` with `fold` off) draws
  /// `object` (its ``rect(of:)`` is not nil), from the world alone: a process the diagram shows
  /// (``boxContents(_:_:previous:outside:before:)``), a VMA listed in such a process's box (one the plan does not
  /// know drawn where its box has a free row), an anon_vma alive, freed in this step or freed
  /// with a page still pointing at it. Nil for a page or a stable node: where their names are
  /// written depends on the widths, which only the layout knows.
  static func unfoldedDraws(_ object: Object, _ w: World, options: Options) -> Bool? {
    let previous = options.previous
    let outside = outsideMM(w)
    let before = previous.map(outsideMM) ?? [:]
    switch object {
    case .process(let p):
      return boxContents(p, w, previous: previous, outside: outside, before: before) != nil
    case .vma(let v):
      for p in Set([w.vmas[v]?.process, previous?.vmas[v]?.process].compactMap { $0 }) {
        guard let listed = boxContents(p, w, previous: previous, outside: outside, before: before)?.vmas,
          listed.contains(v)
        else { continue }
        guard let plan = options.plan, plan.processY[p] >= 0 else { return true }
        if plannedRows(listed, plan: plan, rows: plan.processHeight[p] - 2).contains(where: { $0.vma == v }) {
          return true
        }
      }
      return false
    case .anonVMA(let a):
      guard let av = w.anonVMA(a) else { return false }
      return av.alive || previous?.anonVMA(a)?.alive == true
        || w.pages.contains { page in
          guard !page.freed, case .anon(let mapped) = page.mapping else { return false }
          return mapped == a
        }
    case .fold:
      return false
    case .page, .stableNode:
      return nil
    }
  }
}
