import AnonVMASim
import TermRender

extension ForestDiagram {
  /// The columns a text takes, as ``Buffer/width(_:)`` measures it, without its per-cell pass
  /// for the labels' signs: printable ASCII, Latin (`×`) and U+2000–U+2BFF (`…` `→` `−` `≠`, box
  /// drawing, shapes) take one column each.
  static func textWidth(_ s: String) -> Int {
    var n = 0
    for scalar in s.unicodeScalars {
      let v = scalar.value
      guard (0x20..<0x7F).contains(v) || (0xA0..<0x300).contains(v) || (0x2000...0x2BFF).contains(v) else {
        return Buffer.width(s)
      }
      n += 1
    }
    return n
  }

  /// Columns a child's box is indented under its parent's.
  static let indent = 3
  /// Generations indented; deeper ones stay in the last column and name their parent.
  static let maxIndented = 8

  /// The column a box at this depth starts in, with this fit's generations indented.
  func column(depth: Int) -> Int { min(depth, fit.indentLimit ?? Self.maxIndented) * Self.indent }

  /// `a b c …+N`: the first `max` items, then how many more.
  static func elided(_ items: [String], max: Int) -> String {
    items.count <= max
      ? items.joined(separator: " ") : items.prefix(max).joined(separator: " ") + " …+\(items.count - max)"
  }

  /// ``elided(_:max:name:)`` that does not leave out the items at `keep` (the pages the step
  /// filed): past `max` items, the first others, `…+N`, then the kept ones (`pg1 pg2 …+3 pg9`).
  static func elided(_ items: [PageID], max: Int, keep: Set<PageID>, name: (PageID) -> String) -> String {
    let kept = items.filter(keep.contains)
    let hidden = items.dropFirst(max).contains(where: keep.contains)
    guard hidden, kept.count < max else { return elided(items, max: max, name: name) }
    let lead = items.lazy.filter { !keep.contains($0) }.prefix(max - kept.count)
    return (lead.map(name) + ["…+\(items.count - lead.count - kept.count)"] + kept.map(name))
      .joined(separator: " ")
  }

  /// ``elided(_:max:)`` of `items`, only the first `max` of them named.
  static func elided<C: Collection>(_ items: C, max: Int, name: (C.Element) -> String) -> String {
    let shown = items.prefix(max).map(name).joined(separator: " ")
    return items.count <= max ? shown : shown + " …+\(items.count - max)"
  }

  // MARK: Rows

  /// Processes in fork-tree order (children by id under their parent), stacked: what
  /// ``boxContents(_:_:previous:outside:before:)`` shows; box x and width are set by
  /// ``placeColumns``.
  mutating func stackProcesses(_ w: World, previous: World?) {
    if let plan {
      stackPlannedProcesses(w, previous: previous, plan: plan)
      return
    }
    let outside = Self.outsideMM(w)
    let outsideBefore = previous.map(Self.outsideMM) ?? [:]
    let (roots, children, shown) = Self.forkTree(w, previous: previous, before: outsideBefore)
    // Each shown process's change, computed once (folding asks for it too).
    var changes = IDArray<Process, Change>(absent: .same, through: w.lastProcessID)
    for p in shown { changes[p] = Self.change(of: p, w, previous, outside: outside, before: outsideBefore) }
    let signature = options.fold ? Self.shapes(w, children: children, changes: changes) : IDArray(absent: nil)
    enum Item {
      case process(ProcessID, Int)
      case fold([ProcessID], Int)
    }
    var items: [Item] = []
    var stack: [Item] = roots.reversed().map { .process($0, 0) }
    var y = 0
    while let item = stack.popLast() {
      switch item {
      case .fold(let members, let depth):
        let first = w[process: members[0]].name
        let last = w[process: members[members.count - 1]].name
        let text = "×\(members.count) more like the one above: \(first)…\(last)"
        processFolds.append(
          FoldBox(
            rect: Rect(x: 0, y: y, width: 0, height: 3), text: text, depth: depth,
            members: .processes(members)))
        var hide = members
        while let p = hide.popLast() {
          foldedProcesses.insert(p)
          hide += children[p]
        }
        y += 3
      case .process(let p, let depth):
        let box = Self.boxContents(p, w, previous: previous, outside: outside, before: outsideBefore)
        let vmas = box?.vmas ?? []
        var title = " \(w[process: p].name)"
        if depth > Self.maxIndented, let parent = w[process: p].parent {
          title += " child of \(w[process: parent].name)"
        }
        titles[p] = title + (box?.life ?? .alive).titleSuffix
        let rect = Rect(x: 0, y: y, width: 0, height: max(1, vmas.count) + 2)
        processes.append(
          ProcessBox(
            process: p, depth: depth, rect: rect, change: changes[p], vmas: vmas,
            rows: Array(vmas.indices)))
        y += rect.height
        // Children in order; a run of three or more identical subtrees is its first and a fold.
        items.removeAll(keepingCapacity: true)
        let kids = children[p]
        var i = 0
        while i < kids.count {
          var j = i + 1
          if let sig = signature[kids[i]] {
            while j < kids.count && signature[kids[j]] == sig { j += 1 }
          }
          items.append(.process(kids[i], depth + 1))
          if j - i >= 3 {
            items.append(.fold(Array(kids[(i + 1)..<j]), depth + 1))
          } else {
            for k in (i + 1)..<j { items.append(.process(kids[k], depth + 1)) }
          }
          i = j
        }
        stack += items.reversed()
      }
    }
    height = y
  }

  /// Where a process's box stands in its life: alive, exiting (its mm gone, VMAs not yet freed)
  /// or exited in this step.
  enum BoxLife {
    case alive, exiting, exited
    /// The end of the box's title.
    var titleSuffix: String {
      switch self {
      case .alive: " "
      case .exiting: " exiting "
      case .exited: " exited "
      }
    }
  }

  /// The VMAs that exist but are on no process's VMA list, by process (`vma->vm_mm`): taken out
  /// of the mm and not yet freed (`detach_vmas_to_be_unmapped()`, `exit_mmap()`), or made and
  /// linked to their anon_vmas but not yet inserted (`__split_vma()` before `vma_adjust()`).
  static func outsideMM(_ w: World) -> [ProcessID: [VMAID]] {
    var listed = 0
    for p in w.processes { listed += p.vmas.count }
    guard listed != w.vmas.count || !w.detachedVMAs.isEmpty else { return [:] }
    var inMM = Set<VMAID>()
    for p in w.processes { inMM.formUnion(p.vmas) }
    var result: [ProcessID: [VMAID]] = [:]
    for v in w.vmas.keys where !inMM.contains(v) {
      if let p = w.vmas[v]?.process { result[p, default: []].append(v) }
    }
    return result
  }

  /// What a process's box lists, nil when the diagram does not show the process. A live
  /// process: its VMAs, then those of it outside its mm (``outsideMM(_:)``), then those the step
  /// freed (read from `previous`). An exiting one: `exit_mmap()` (mm/mmap.c,
  /// 2.6.34 to 6.x) unmaps the VMAs, unlinks their chains (`free_pgtables()` →
  /// `unlink_anon_vmas()`) and frees each with `remove_vma()`: until then they exist, on the
  /// anon_vmas' lists, and the box shows them. One whose last VMA was freed in this step, or that
  /// exited in it (whole steps): the VMAs it had in `previous`, drawn once as exited; so is one
  /// whose exit spanned steps (it waited for a lock in `unlink_anon_vmas()`) and ended in this
  /// one. `outside` and `before` are ``outsideMM(_:)`` of `w` and of `previous`.
  static func boxContents(
    _ p: ProcessID, _ w: World, previous: World?, outside: [ProcessID: [VMAID]], before: [ProcessID: [VMAID]]
  ) -> (vmas: [VMAID], life: BoxLife)? {
    guard w.isAllocated(p) else { return nil }
    let extra = outside[p] ?? []
    if w[process: p].alive {
      // The VMAs the step freed (merged away, unmapped) stay once, in their rows, marked `−`.
      let freed =
        previous.map { old in
          old.isAllocated(p) ? old[process: p].vmas.filter { w.vmas[$0] == nil && old.vmas[$0] != nil } : []
        } ?? []
      return (w[process: p].vmas.filter { w.vmas[$0] != nil } + extra + freed, .alive)
    }
    if !extra.isEmpty { return (extra, .exiting) }
    guard let previous, previous.isAllocated(p) else { return nil }
    if previous[process: p].alive {
      return (previous[process: p].vmas.filter { previous.vmas[$0] != nil }, .exited)
    }
    if let exiting = before[p] { return (exiting, .exited) }
    return nil
  }

  /// The processes the diagram shows, the live and exiting ones and the ones that exited in this
  /// step, by id, as a fork tree: the roots and each one's children by id. A child whose parent
  /// is gone hangs at the top level, as the kernel reparents it. `before`: ``outsideMM(_:)`` of
  /// `previous` (a process exiting there is shown once more, exited).
  static func forkTree(_ w: World, previous: World?, before: [ProcessID: [VMAID]]) -> (
    roots: [ProcessID], children: IDArray<Process, [ProcessID]>, shown: [ProcessID]
  ) {
    let exiting = Set(outsideMM(w).keys)
    func isShown(_ p: ProcessID) -> Bool {
      w[process: p].alive || exiting.contains(p) || before[p] != nil
        || (previous.map { $0.isAllocated(p) && $0[process: p].alive } ?? false)
    }
    var children = IDArray<Process, [ProcessID]>(absent: [], through: w.lastProcessID)
    var roots: [ProcessID] = []
    var shown: [ProcessID] = []
    for i in w.processes.indices {
      let p = ProcessID(i)  // a process's id is its index
      guard isShown(p) else { continue }
      shown.append(p)
      if let parent = w[process: p].parent, isShown(parent) {
        children[parent].append(p)
      } else {
        roots.append(p)
      }
    }
    return (roots, children, shown)
  }

  /// Each live process's subtree shape as a small number (equal numbers: identical subtrees),
  /// nil for a process that must stay in view (exited or changed in this step, or with such a
  /// descendant): its VMAs (mapping, first page, pages, protection, chain length, whether it
  /// has an anon_vma) and its children's shapes.
  static func shapes(
    _ w: World, children: IDArray<Process, [ProcessID]>, changes: IDArray<Process, Change>
  ) -> IDArray<Process, Int?> {
    var shape = IDArray<Process, Int?>(absent: nil, through: w.lastProcessID)
    var ids: [[Int]: Int] = [:]
    var mappings: [String: Int] = [:]
    // Children have larger indexes than their parents: one pass from the end sees them first.
    for i in w.processes.indices.reversed() where w.processes[i].alive {
      let p = ProcessID(i)  // a process's id is its index
      guard changes[p] == .same else { continue }
      var key = [w[process: p].vmas.count, children[p].count]
      var complete = true
      for c in children[p] {
        guard let s = shape[c] else {
          complete = false
          break
        }
        key.append(s)
      }
      guard complete else { continue }
      for v in w[process: p].vmas {
        // Read in place (the table's getter copies the VMA out).
        w.vmas.withObject(v) { vma in
          let name = vma.mapping + " " + vma.prot.rawValue
          let m = mappings[name] ?? mappings.count
          mappings[name] = m
          key += [m, vma.firstPage, vma.pages, vma.chainTailFirst.count, vma.anonVMA == nil ? 0 : 1]
        }
      }
      let id = ids[key] ?? ids.count
      ids[key] = id
      shape[p] = id
    }
    return shape
  }

  /// A process box's change since `previous`; `outside` and `before` are ``outsideMM(_:)`` of
  /// `w` and of `previous`.
  static func change(
    of process: ProcessID, _ w: World, _ previous: World?, outside: [ProcessID: [VMAID]],
    before outsideBefore: [ProcessID: [VMAID]]
  ) -> Change {
    guard let previous else { return .same }
    guard previous.isAllocated(process) else { return .added }
    let now = boxContents(process, w, previous: previous, outside: outside, before: outsideBefore)
    let exiting = now?.life == .exiting
    guard previous[process: process].alive || outsideBefore[process] != nil || exiting else { return .added }
    guard w[process: process].alive || exiting else { return .removed }
    // An exit that began in this step and waits (`exiting` in its title).
    if exiting && previous[process: process].alive { return .changed }
    let vmas = now?.vmas ?? []
    let before = boxContents(process, previous, previous: nil, outside: outsideBefore, before: [:])?.vmas ?? []
    guard vmas == before else { return .changed }
    for v in vmas {
      guard let old = previous.vmas[v], let new = w.vmas[v], !differs(old, new) else { return .changed }
    }
    // Only pages changed (a fault, a COW break, a swap-out, KSM merging): changed too.
    return previous[process: process].ptes == w[process: process].ptes ? .same : .changed
  }

  /// Whether a step changed what a VMA row shows: its range, protection, `vma->anon_vma` or
  /// `anon_vma_chain`.
  static func differs(_ old: VMA, _ new: VMA) -> Bool {
    old.start != new.start || old.end != new.end || old.prot != new.prot || old.anonVMA != new.anonVMA
      || old.chainTailFirst != new.chainTailFirst
  }

  /// What the step did to VMA `v` of a box that is neither new nor gone: `.added` (not in
  /// `previous`), `.removed` (freed: not in `w`), `.changed` (``differs(_:_:)``) or `.same`.
  static func vmaChange(_ v: VMAID, _ w: World, previous: World) -> Change {
    guard let new = w.vmas[v] else { return previous.vmas[v] == nil ? .same : .removed }
    guard let old = previous.vmas[v] else { return .added }
    return differs(old, new) ? .changed : .same
  }

  /// Alive anon_vmas (and the ones freed in this step) grouped by forest, the root first; each
  /// box as high as the first VMA pointing at it allows (so its arrow runs straight across when
  /// nothing above is in the way), below the box before it. Then the KSM stable nodes.
  mutating func stackAnonVMAs(
    _ w: World, previous: World?, locks: (anonVMAs: Set<AnonVMAID>, vmas: Set<VMAID>, titles: [AnonVMAID: String])
  ) {
    let plan = self.plan  // once: the property copies the plan at each use
    let pagesOf = Self.filedPages(w)
    let ids = Self.shownAnonVMAs(w, previous: previous, filed: pagesOf)
    var firstRow = IDArray<AnonVMA, Int?>(absent: nil)
    for box in processes where box.change != .removed {
      for (i, v) in box.vmas.enumerated() {
        if let a = w.vmas.withObject(v, \.anonVMA) ?? nil, firstRow[a] == nil { firstRow[a] = box.row(at: i) }
      }
    }
    // What was filed in each anon_vma before this step: an anon_vma whose pages alone changed
    // is marked changed too.
    let pagesBefore = previous.map(Self.filedPages) ?? [:]
    // anon_vmas whose every VMA is in a fold are folded too, a run of them into one box.
    var hiddenVMAs = IDArray<VMA, Bool>(absent: false)
    for p in foldedProcesses {
      for v in w[process: p].vmas { hiddenVMAs[v] = true }
    }
    var y = 0
    var run: [AnonVMAID] = []
    func flush(_ y: inout Int) {
      guard !run.isEmpty else { return }
      // `AV3…AV30` where the ids run on; else the first two and the last (`AV5 AV7 … AV49`: a
      // fork server's children's anon_vmas between others).
      let contiguous = run.last.map { $0.raw - run[0].raw == run.count - 1 } ?? true
      let first = World.avName(run[0])
      let last = World.avName(run[run.count - 1])
      let names: String
      switch run.count {
      case 1: names = first
      case _ where contiguous: names = "\(first)…\(last)"
      case 2: names = "\(first) \(last)"
      default: names = "\(first) \(World.avName(run[1])) … \(last)"
      }
      let text = "×\(run.count) anon_vmas of folded processes: \(names)"
      anonVMAFolds.append(
        FoldBox(rect: Rect(x: 0, y: y, width: 0, height: 3), text: text, depth: 0, members: .anonVMAs(run)))
      y += 3
      run = []
    }
    var boxY = 0
    var group: AnonVMAID?
    for a in ids {
      guard let av = w.anonVMA(a) else { continue }
      // A blank row above each forest's group and between its members, where a lock's outline
      // runs (a member it does not cover never touches it).
      let forest = w.kernel == .v2_6_34 ? a : (av.root ?? a)
      let list = av.alive ? Self.listHead(a, w, hidden: foldedProcesses.isEmpty ? nil : hiddenVMAs) : nil
      if let list, list.count > 0, list.allHidden {
        // Folded: no row of its own (each left a blank row: 28 of them above a fork server's
        // `×28 anon_vmas` box, the step's new anon_vma pushed out of view).
        run.append(a)
        continue
      }
      if plan == nil {
        group = forest
        y += 1
      }
      flush(&y)
      // 2.6.36's anon_vma_alloc() is a bare kmem_cache_alloc(): anon_vma_fork() sets the root
      // a few micro-steps later (mm/rmap.c of 2.6.36), so until then it is no root (and has no
      // root arrow). 6.x's anon_vma_alloc() points root (and parent) at the anon_vma itself
      // (mm/rmap.c of 6.1).
      let rootUnset = w.kernel == .v2_6_36 && av.root == nil
      let isRoot = w.kernel != .v2_6_34 && !rootUnset && (av.root ?? a) == a
      let change: Change
      if !av.alive {
        change = .removed
      } else if let old = previous?.anonVMA(a) {
        change = old.alive ? (old == av && pagesBefore[a] == pagesOf[a] ? .same : .changed) : .added
      } else {
        change = previous == nil ? .same : .added
      }
      var lines = [Marks.counters(av, w)]
      var filed: [PageID] = []
      var fresh = Set<PageID>()
      if let list {
        // Uncut; a fit that cuts the boxes writes these two lines again (``cutLines``).
        lines.append(
          "list "
            + (list.count == 0
              ? "(empty)"
              : Self.elided(list.leading.prefix(4), max: 4) { w.vmaName($0) }
                + (list.count > 4 ? " …+\(list.count - 4)" : "")))
        filed = pagesOf[a] ?? []
        if let pages = pagesOf[a] {
          // The pages the step filed here are never the ones left out.
          if previous != nil { fresh = Set(pages).subtracting(pagesBefore[a] ?? []) }
          lines.append("pages " + Self.elided(pages, max: 6, keep: fresh) { pageLabel($0, w) })
        } else if w.kernel.isModern || plan != nil {
          lines.append("pages none")  // a third row: the parent arrow leaves from it
        }
      } else {
        lines.append("freed")
        // Pages whose page->mapping still names it (``danglingMappings``).
        if let pages = pagesOf[a] {
          lines.append("pages " + Self.elided(pages, max: 6) { pageLabel($0, w) })
          filed = pages
        }
      }
      var walkLabel: String?
      if let walk, w.isAllocated(walk.page), w[page: walk.page].mapping == .anon(a) {
        walkLabel = (walker.map { "\($0)'s " } ?? "") + "rmap walk of \(World.pageName(walk.page)) from \(walk.origin)"
      }
      var boxHeight = lines.count + 2
      if let plan {
        // Planned: its own place (one not planned goes below them all); three lines always.
        boxHeight = Plan.anonVMAHeight
        y = max(y, plan.anonVMABottom)
        if plan.anonVMAY[a] >= 0 { boxY = plan.anonVMAY[a] } else { boxY = y }
      } else {
        y = max(y, (firstRow[a] ?? 0) - 1)
        boxY = y
      }
      anonVMAs.append(
        AnonVMABox(
          anonVMA: a, rect: Rect(x: 0, y: boxY, width: 0, height: boxHeight), isRoot: isRoot, change: change,
          title: " \(World.avName(a))\(isRoot ? " root" : "") ", lines: lines,
          locked: locks.anonVMAs.contains(a),
          lockLabel: locks.titles[a].flatMap { $0.isEmpty ? nil : $0 }, walkLabel: walkLabel))
      contents.append(filed)
      freshContents.append(fresh)
      if boxY == y { y += boxHeight }
    }
    if !run.isEmpty && plan == nil { y += 1 }
    flush(&y)
    measureAnonVMAText()
    if let plan { y = max(y, plan.anonVMABottom) } else if group != nil { y += 1 }
    // The height without the stable nodes (``heightBeside``).
    let forestBottom = max(height, y)
    // KSM: each stable node's page and the anon_vmas its rmap_items hold (get_anon_vma).
    // A node freed in this step (its page freed) stays once, in its place, `−`. Under the
    // anon_vmas, or under the process boxes where the plan has room there (``Plan/ksmUnder``),
    // a blank row under the last (a process the plan did not place stands below the others).
    let under = plan.flatMap { $0.ksmUnder ? Self.stableNodesUnderProcesses(plan: $0, processHeight: height) : nil }
    if let under { y = under }
    for (node, freed) in Self.shownStableNodes(w, previous: previous) {
      var change = Change.same
      if freed {
        change = .removed
      } else if let previous {
        let i = node.id.raw - 1
        let old = i < previous.stableNodes.count ? previous.stableNodes[i] : nil
        change = old?.alive != true ? .added : old == node ? .same : .changed
      }
      let lines = freed ? Self.freedStableNodeLines(node.page) : Self.stableNodeLines(node.page, node.items, w)
      stableNodes.append(
        StableNodeBox(
          node: node.id, page: node.page, rect: Rect(x: 0, y: y, width: 0, height: lines.count + 2),
          title: " KSM stable node K\(node.id.raw) ", lines: lines, items: freed ? [] : node.items, change: change))
      y += lines.count + 2
    }
    if under != nil {
      height = stableNodes.isEmpty ? forestBottom : max(forestBottom, y)
      return
    }
    height = Self.heightBeside(
      plan: plan, nodeHeights: stableNodes.map(\.rect.height), anonVMAsShown: !anonVMAs.isEmpty,
      forestBottom: forestBottom, height: max(height, y))
  }

  /// `World.listVMAs(a)` read in place, without making the list (a root's list holds every VMA
  /// of its forest): its length, its first five VMAs, and whether every VMA on it is `hidden`
  /// (false without `hidden`).
  static func listHead(_ a: AnonVMAID, _ w: World, hidden: IDArray<VMA, Bool>?) -> (
    count: Int, leading: [VMAID], allHidden: Bool
  ) {
    var count = 0
    var leading: [VMAID] = []
    var allHidden = hidden != nil
    for avc in w[anonVMA: a].head {
      guard let v = w.avcs.withObject(avc, \.vma) else { continue }
      count += 1
      if leading.count < 5 { leading.append(v) }
      if allHidden, hidden?[v] != true { allHidden = false }
    }
    return (count, leading, allHidden)
  }

  /// The inner width the anon_vma boxes' titles and lines need (``anonVMATextInner``), measured
  /// again when their lines change (``cutLines(_:)``), not for each fit tried.
  mutating func measureAnonVMAText() {
    var inner = 0
    for box in anonVMAs {
      inner = max(inner, Self.textWidth(box.title) + 5)
      for line in box.lines { inner = max(inner, Self.textWidth(line) + 3) }
    }
    anonVMATextInner = inner
  }

  /// The anon_vmas the diagram shows in order: the alive ones grouped by forest, and the ones
  /// freed in this step in their old place, once.
  static func shownAnonVMAs(
    _ w: World, previous: World?, filed: [AnonVMAID: [PageID]]? = nil
  ) -> [AnonVMAID] {
    let ids = w.aliveAnonVMAsByForest
    // Freed in this step: shown in their old place, once; freed with a page still pointing at
    // it (a use-after-free): shown as long as one does.
    var gone = previous?.aliveAnonVMAs.filter { w.anonVMA($0)?.alive != true } ?? []
    let pagesOf = filed ?? filedPages(w)
    gone += pagesOf.keys.filter { w.anonVMA($0)?.alive == false && !gone.contains($0) }.sorted()
    guard !gone.isEmpty else { return ids }
    func forest(_ a: AnonVMAID, _ x: World) -> AnonVMAID { w.kernel == .v2_6_34 ? a : (x.anonVMA(a)?.root ?? a) }
    return (ids.map { ($0, forest($0, w)) } + gone.map { ($0, forest($0, previous ?? w)) })
      .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
  }

  /// The pages filed in each anon_vma (``World/filedPages()``).
  static func filedPages(_ w: World) -> [AnonVMAID: [PageID]] { w.filedPages() }

  // MARK: Lanes

  /// A bus of `vma->anon_vma` arrows into one anon_vma: its sources' rows, and the lane it runs
  /// in (nil: straight across, or no lane left: written on the VMA rows).
  struct Bus {
    var anonVMA: AnonVMAID
    var sources: [(vma: VMAID, y: Int)]
    var targetRow: Int
    var lane: Int?
    /// `page->mapping` of pages its sources map, into a freed anon_vma's `pages` row.
    var dangling = false
  }

  /// Buses get lanes by their row spans, greedily (intervals sorted by top; a lane is reused
  /// once the bus in it ended above): as few lanes as the spans' overlap needs, up to
  /// `maxLanes`. A bus of one source on its target's row needs none.
  func assignLanes(_ w: World, maxLanes: Int) -> [Bus] {
    var buses = greedyLanes(w, maxLanes: maxLanes)
    Self.orderLanes(&buses, count: (buses.compactMap(\.lane).max() ?? -1) + 1)
    return buses
  }

  /// ``assignLanes(_:maxLanes:)`` from the lanes given without a limit
  /// (``greedyLanes(_:maxLanes:)`` with `.max`), which the rows fix for every fit tried: the
  /// greedy assignment with `maxLanes` lanes is the one without a limit with the lanes from
  /// `maxLanes` on taken away (a bus that opened such a lane found every lane before it busy).
  static func assignLanes(unlimited: [Bus], maxLanes: Int) -> [Bus] {
    var buses = unlimited
    var count = 0
    for i in buses.indices {
      guard let lane = buses[i].lane else { continue }
      if lane >= maxLanes { buses[i].lane = nil } else { count = max(count, lane + 1) }
    }
    orderLanes(&buses, count: count)
    return buses
  }

  /// The lanes, greedily, before they are ordered (``orderLanes(_:count:)``).
  func greedyLanes(_ w: World, maxLanes: Int) -> [Bus] {
    var rowOf = IDArray<AnonVMA, Int?>(absent: nil)
    // An arrow enters its anon_vma on the box's first line, or on its second where the first is
    // a process box's top or bottom border: at 80×24 E6's new P9 ended on AV2's first row, and
    // P2's arrow into AV2 ran on from P9's corner (`┘ └──►`), P9 drawn as pointing at AV2.
    var borderRows = Set<Int>()
    for box in processes { borderRows.formUnion([box.rect.y, box.rect.maxY - 1]) }
    for box in anonVMAs where box.change != .removed {
      let first = box.rect.y + 1
      let clear = !borderRows.contains(first) || box.rect.height < 4 || borderRows.contains(first + 1)
      rowOf[box.anonVMA] = clear ? first : first + 1
    }
    var buses: [AnonVMAID: Bus] = [:]
    for box in processes where box.change != .removed {
      for (i, v) in box.vmas.enumerated() {
        guard let a = w.vmas.withObject(v, \.anonVMA) ?? nil, let row = rowOf[a] else { continue }
        buses[a, default: Bus(anonVMA: a, sources: [], targetRow: row)].sources.append((v, box.row(at: i)))
      }
    }
    // A freed anon_vma's dangling pages, from the rows of the VMAs mapping them that have no
    // vma->anon_vma arrow of their own (those write `pg1→AV1 freed` only).
    // Only the VMAs with dangling mappings can be their sources (most worlds have none).
    for box in anonVMAs where !dangling.isEmpty && box.change == .removed && box.lines.count > 2 {
      var bus = Bus(anonVMA: box.anonVMA, sources: [], targetRow: box.rect.y + 3, dangling: true)
      for p in processes where p.change != .removed {
        for (i, v) in p.vmas.enumerated()
        where dangling[v]?.contains(where: { $0.anonVMA == box.anonVMA }) == true
          && w.vmas.withObject(v, { $0.anonVMA == nil }) ?? true
        {
          bus.sources.append((v, p.row(at: i)))
        }
      }
      if !bus.sources.isEmpty { buses[AnonVMAID(-box.anonVMA.raw)] = bus }
    }
    // Sources are added top to bottom: a bus's first source is its top one.
    var sorted = buses.values.sorted { ($0.sources[0].y, $0.anonVMA) < ($1.sources[0].y, $1.anonVMA) }
    var laneEnds = LaneEnds(capacity: min(sorted.count, maxLanes))
    for i in sorted.indices {
      var (top, bottom) = (sorted[i].targetRow, sorted[i].targetRow)
      for s in sorted[i].sources {
        top = min(top, s.y)
        bottom = max(bottom, s.y)
      }
      if top == bottom && sorted[i].sources.count == 1 { continue }  // straight across
      if let lane = laneEnds.first(endingAbove: top) {
        laneEnds[lane] = bottom
        sorted[i].lane = lane
      } else if laneEnds.count < maxLanes {
        sorted[i].lane = laneEnds.count
        laneEnds.append(bottom)
      }
    }
    return sorted
  }

  /// The bottom row of each lane ``greedyLanes(_:maxLanes:)`` opened, in a tree of minimums: the
  /// first lane ending above a row is found in logarithmic time (without a limit a large forest
  /// opens many lanes, and a scan of them for every bus was quadratic).
  struct LaneEnds {
    private var tree: [Int]
    private let leaves: Int
    private(set) var count = 0

    init(capacity: Int) {
      var leaves = 1
      while leaves < capacity { leaves *= 2 }
      self.leaves = leaves
      tree = [Int](repeating: .max, count: 2 * leaves)  // a lane not opened ends above nothing
    }

    subscript(lane: Int) -> Int {
      get { tree[leaves + lane] }
      set {
        var node = leaves + lane
        tree[node] = newValue
        while node > 1 {
          node /= 2
          tree[node] = min(tree[2 * node], tree[2 * node + 1])
        }
      }
    }

    mutating func append(_ bottom: Int) {
      count += 1
      self[count - 1] = bottom
    }

    /// The first lane whose bottom row is above `row`.
    func first(endingAbove row: Int) -> Int? {
      guard tree[1] < row else { return nil }
      var node = 1
      while node < leaves { node = tree[2 * node] < row ? 2 * node : 2 * node + 1 }
      return node - leaves
    }
  }

  /// Orders the lanes so that the arrows cross as little as possible. A bus's lines are a
  /// horizontal from each source row to its lane, its lane's vertical over its rows, and a
  /// horizontal from its lane to its anon_vma at the target row. With bus X's lane left of Y's, X's
  /// target line passes over Y's lane and Y's source lines over X's lane; each one passing where the
  /// other's vertical runs is a crossing, and a line laid along another on the same row (X's target
  /// row a source row of Y's: the two horizontals overlap between the lanes) costs ten. So a bus
  /// whose source row is another's target row runs left of it, and of two staggered buses the
  /// later one runs left (E3's P3 → AV3 inside P2 → AV2, crossing nothing). Up to six lanes every
  /// order is tried (the first of the cheapest wins, so the greedy numbering stays where it ties);
  /// beyond, neighbouring lanes are swapped while that helps.
  static func orderLanes(_ buses: inout [Bus], count: Int) {
    guard count > 1 else { return }
    let cost = laneOrderCosts(buses, count: count)
    var order = Array(0..<count)
    if count <= 6 {
      var best = orderCost(order, cost)
      var candidate = order
      while nextPermutation(&candidate) {
        let c = orderCost(candidate, cost)
        if c < best { (best, order) = (c, candidate) }
      }
    } else {
      var improved = true
      while improved {
        improved = false
        for i in 0..<(count - 1) where cost[order[i + 1]][order[i]] < cost[order[i]][order[i + 1]] {
          order.swapAt(i, i + 1)
          improved = true
        }
      }
    }
    guard order != Array(0..<count) else { return }
    var renumber = [Int](repeating: 0, count: count)
    for (i, lane) in order.enumerated() { renumber[lane] = i }
    for i in buses.indices { buses[i].lane = buses[i].lane.map { renumber[$0] } }
  }

  /// `cost[p][q]`: the crossings (see ``orderLanes(_:count:)``) between the buses of lane `p` and
  /// those of lane `q` when `p` runs left of `q`.
  static func laneOrderCosts(_ buses: [Bus], count: Int) -> [[Int]] {
    var cost = [[Int]](repeating: [Int](repeating: 0, count: count), count: count)
    let laned = buses.filter { $0.lane != nil }
    for x in laned {
      for y in laned {
        guard let p = x.lane, let q = y.lane, p != q else { continue }
        cost[p][q] += crossings(left: x, right: y)
      }
    }
    return cost
  }

  /// The crossings of bus `x` run in a lane left of bus `y`'s.
  static func crossings(left x: Bus, right y: Bus) -> Int {
    func span(_ b: Bus) -> ClosedRange<Int> {
      let rows = b.sources.map(\.y) + [b.targetRow]
      return (rows.min() ?? b.targetRow)...(rows.max() ?? b.targetRow)
    }
    let (xs, ys) = (span(x), span(y))
    var n = 0
    if y.sources.contains(where: { $0.y == x.targetRow }) {
      n += 10  // laid along y's source line between the lanes
    } else if ys.contains(x.targetRow) {
      n += 1
    }
    for s in y.sources where s.y != x.targetRow && xs.contains(s.y) { n += 1 }
    return n
  }

  /// The total crossings of the lanes in `order`, left to right.
  static func orderCost(_ order: [Int], _ cost: [[Int]]) -> Int {
    var total = 0
    for i in order.indices {
      for j in (i + 1)..<order.count { total += cost[order[i]][order[j]] }
    }
    return total
  }

  /// The next permutation in lexicographic order (false after the last).
  static func nextPermutation(_ a: inout [Int]) -> Bool {
    guard a.count > 1, var i = a.indices.last.map({ $0 - 1 }) else { return false }
    while i >= 0 && a[i] >= a[i + 1] { i -= 1 }
    guard i >= 0 else { return false }
    var j = a.count - 1
    while a[j] <= a[i] { j -= 1 }
    a.swapAt(i, j)
    a[(i + 1)...].reverse()
    return true
  }

  // MARK: Columns

  /// Widths from the labels: every process box ends at one right edge (arrows leave from one
  /// column), the lanes follow, then the anon_vma boxes (one width), the root trunk and the
  /// labels.
  mutating func placeColumns(_ w: World, lanes: [Bus]) {
    var written: [VMAID: String] = [:]  // VMA to `→AVn` where its pointer found no lane
    for bus in lanes
    where !bus.dangling && bus.lane == nil && !(bus.sources.count == 1 && bus.sources[0].y == bus.targetRow) {
      for s in bus.sources { written[s.vma] = World.avName(bus.anonVMA) }
    }
    if let limit = fit.indentLimit {
      // Children past the indented generations name their parent in their title.
      for box in processes where box.depth > limit && box.depth <= Self.maxIndented {
        guard let parent = w[process: box.process].parent else { continue }
        titles[box.process] =
          " \(w[process: box.process].name) child of \(w[process: parent].name)"
          + ([BoxLife.exiting, .exited].first { titles[box.process]?.hasSuffix($0.titleSuffix) == true } ?? .alive)
          .titleSuffix
      }
    }
    var right = 0
    for box in processes {
      var inner = Self.textWidth(titles[box.process] ?? "") + 5  // room for a change mark and two marks
      for v in box.vmas {
        guard var label = vmaLabels[v] else { continue }
        if label.pointer != written[v] || label.compact != fit.compactChains {
          label.pointer = written[v]
          label.compact = fit.compactChains
          vmaLabels[v] = label
        }
        inner = max(inner, min(label.width, fit.vmaLabelWidth ?? .max) + 3)
        if let ptes = pteRows[v] { inner = max(inner, Self.pteRowInner(ptes, fit: fit)) }
      }
      right = max(right, column(depth: box.depth) + inner + 1)
    }
    for fold in processFolds {
      right = max(right, column(depth: fold.depth) + Self.textWidth(fold.text) + 4)
    }
    neededRight = right
    if let fixed = plan?.processRight { right = fixed }
    for i in processFolds.indices {
      let x = column(depth: processFolds[i].depth)
      processFolds[i].rect = Rect(x: x, y: processFolds[i].rect.y, width: right - x + 1, height: 3)
    }
    for i in processes.indices {
      let x = column(depth: processes[i].depth)
      processes[i].rect = Rect(x: x, y: processes[i].rect.y, width: right - x + 1, height: processes[i].rect.height)
    }
    if fit.compactChains { spellChainsThatFit() }
    usedLanes = (lanes.compactMap(\.lane).max() ?? -1) + 1
    let laneCount = plan?.processRight != nil ? plan?.lanes ?? usedLanes : usedLanes
    // A wide pane's plan lengthens the `vma->anon_vma` arrows (``Plan/lead``).
    let left = right + 1 + 2 + 2 * laneCount + 2 + (plan?.lead ?? 0)
    var inner = anonVMATextInner
    var labelWidth = 0
    for box in anonVMAs {
      if fit.labelsBeside, let label = box.lockLabel { labelWidth = max(labelWidth, Self.textWidth(label) + 1) }
    }
    for box in stableNodes {
      inner = max(inner, Self.textWidth(box.title) + 3, box.lines.map { Self.textWidth($0) + 3 }.max() ?? 0)
    }
    for fold in anonVMAFolds { inner = max(inner, Self.textWidth(fold.text) + 3) }
    // A lock's outline names its holders on its top edge and the waiting CPUs on its bottom
    // edge, in the box's width (less its corners) at least without the operations.
    var wanted = inner
    if anonVMAs.contains(where: \.locked) {
      let moment = options.lockMoment ?? w
      for lock in moment.lockHolders.keys {
        let texts = Self.lockTexts(lock, moment, end: w)
        inner = max(
          inner, Self.textWidth(texts.brief) - 1, Self.textWidth(LockOutline.waitingLabel(texts.waiters) ?? "") - 1)
        wanted = max(wanted, Self.textWidth(texts.holders) - 1)
      }
    }
    neededAnonVMAInner = inner
    wantedAnonVMAInner = max(inner, wanted)
    if let plan, plan.processRight != nil { inner = plan.anonVMAInner }
    for i in anonVMAFolds.indices {
      anonVMAFolds[i].rect = Rect(x: left, y: anonVMAFolds[i].rect.y, width: inner + 2, height: 3)
    }
    for i in anonVMAs.indices {
      anonVMAs[i].rect = Rect(x: left, y: anonVMAs[i].rect.y, width: inner + 2, height: anonVMAs[i].rect.height)
    }
    for i in stableNodes.indices {
      let r = stableNodes[i].rect
      // Under the process boxes: as wide as their column (``Plan/ksmUnder``).
      stableNodes[i].rect =
        plan?.ksmUnder == true
        ? Rect(x: column(depth: 0), y: r.y, width: right - column(depth: 0) + 1, height: r.height)
        : Rect(x: left, y: r.y, width: inner + 2, height: r.height)
    }
    // Fork edges: from the parent's bottom border down the indent column into the child's side.
    var boxOf: [ProcessID: Rect] = [:]
    for box in processes { boxOf[box.process] = box.rect }
    for box in processes {
      // Past the indented generations a child sits under its parent's column: its title names
      // the parent instead.
      guard let parent = w[process: box.process].parent, let p = boxOf[parent], box.rect.x > p.x else { continue }
      let x = p.x + 1
      arrows.append(
        Arrow(
          .fork(parent: parent, child: box.process),
          [(x, p.maxY - 1), (x, box.rect.y + 1), (box.rect.x - 1, box.rect.y + 1)]))
    }
    // Right of the boxes: the root trunk, then the labels.
    labelX = left + inner + 2 + 3
    trunkEnd = labelX
    width = labelX + labelWidth
  }

  // MARK: Arrows

  /// `vma->anon_vma`: each bus turns down (or up) its lane into its anon_vma's side; a bus on
  /// its target's row runs straight across.
  mutating func routeAnonVMAPointers(_ w: World, lanes: [Bus]) {
    var boxOf: [AnonVMAID: Rect] = [:]
    var freedBox: [AnonVMAID: Rect] = [:]
    for box in anonVMAs {
      if box.change != .removed { boxOf[box.anonVMA] = box.rect } else { freedBox[box.anonVMA] = box.rect }
    }
    let right = processes.map { $0.rect.maxX - 1 }.max() ?? 0
    for bus in lanes {
      guard let target = bus.dangling ? freedBox[bus.anonVMA] : boxOf[bus.anonVMA] else { continue }
      func kind(_ v: VMAID) -> Arrow.Kind {
        bus.dangling ? .danglingMapping(vma: v, anonVMA: bus.anonVMA) : .vmaAnonVMA(vma: v, anonVMA: bus.anonVMA)
      }
      guard let lane = bus.lane else {
        if bus.sources.count == 1, bus.sources[0].y == bus.targetRow {
          arrows.append(Arrow(kind(bus.sources[0].vma), [(right, bus.targetRow), (target.x - 1, bus.targetRow)]))
        }
        continue
      }
      let x = right + 2 + 2 * lane
      for s in bus.sources {
        arrows.append(Arrow(kind(s.vma), [(right, s.y), (x, s.y), (x, bus.targetRow), (target.x - 1, bus.targetRow)]))
      }
    }
  }

  /// `anon_vma->root`: from each member's right side into one trunk per forest (forests are
  /// stacked apart, so one column serves them all), up into the root's right side. A root freed
  /// in this step keeps its box (marked freed) for the step: a live member still pointing at it
  /// (D.4's use after free, C11) points into that box.
  mutating func routeRootPointers(_ w: World) {
    guard w.kernel != .v2_6_34 else { return }  // 2.6.34 has no anon_vma->root
    var rowOf = IDArray<AnonVMA, Int?>(absent: nil)
    for box in anonVMAs { rowOf[box.anonVMA] = box.rect.y + 1 }
    for box in anonVMAs where !box.isRoot && box.change != .removed {
      // Read in place: `anonVMA(_:)` copies the anon_vma out (its list retained).
      let a = box.anonVMA
      guard w.isAllocated(a), let root = w[anonVMA: a].root, let ry = rowOf[root] else { continue }
      let edge = box.rect.maxX - 1
      arrows.append(
        Arrow(
          .root(anonVMA: box.anonVMA, root: root),
          [(edge, box.rect.y + 1), (edge + 2, box.rect.y + 1), (edge + 2, ry), (edge + 1, ry)]))
    }
  }

  /// `anon_vma->parent` (6.x, set by `anon_vma_fork()` for the `num_children` count and reuse):
  /// dashed arrows between the boxes' right sides, outside the root trunk, in as few lanes as
  /// their row spans allow.
  mutating func routeParentPointers(_ w: World) {
    guard w.kernel.isModern else { return }
    // Into a parent freed in this step too (its box drawn freed for the step), as root arrows.
    var rectOf: [AnonVMAID: Rect] = [:]
    for box in anonVMAs { rectOf[box.anonVMA] = box.rect }
    var edges: [(child: AnonVMAID, parent: AnonVMAID, top: Int, bottom: Int)] = []
    for box in anonVMAs where box.change != .removed {
      guard let parent = w.anonVMA(box.anonVMA)?.parent, parent != box.anonVMA, let p = rectOf[parent] else { continue }
      // Out of the child's third row, into the parent's second (the first is the root arrow's).
      let (a, b) = (box.rect.y + 3, p.y + 2)
      edges.append((box.anonVMA, parent, min(a, b), max(a, b)))
    }
    guard !edges.isEmpty else { return }
    edges.sort { ($0.top, $0.bottom) < ($1.top, $1.bottom) }
    var laneEnds: [Int] = []
    let edge = (anonVMAs.first?.rect.maxX ?? 0) - 1
    for e in edges {
      let lane = laneEnds.firstIndex { $0 < e.top } ?? laneEnds.count
      if lane == laneEnds.count { laneEnds.append(e.bottom) } else { laneEnds[lane] = e.bottom }
      guard let c = rectOf[e.child], let p = rectOf[e.parent] else { continue }
      let x = edge + 4 + 2 * lane
      arrows.append(
        Arrow(
          .parent(anonVMA: e.child, parent: e.parent),
          [(edge, c.y + 3), (x, c.y + 3), (x, p.y + 2), (edge + 1, p.y + 2)]))
    }
    labelX += 2 * laneEnds.count + 1
    width += 2 * laneEnds.count + 1
  }
}
