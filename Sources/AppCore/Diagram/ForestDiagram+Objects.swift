import AnonVMASim
import TermRender

extension ForestDiagram {
  /// An object drawn in the diagram, as the app selects, pins and finds it.
  public enum Object: Sendable, Hashable {
    case process(ProcessID)
    case vma(VMAID)
    case anonVMA(AnonVMAID)
    /// A folded run of identical sibling subtrees, named by its first member process.
    case fold(ProcessID)
    /// A page, where its name is written: on its anon_vma's `pages` line (`page->mapping`), or
    /// on its KSM stable node's `page` line.
    case page(PageID)
    /// A KSM stable node's box.
    case stableNode(StableNodeID)
  }

  /// The selectable objects in reading order: the process column top to bottom (each process,
  /// then its VMAs), then the anon_vma column top to bottom (each anon_vma, then the pages its
  /// `pages` line names, left to right; the stable nodes below, each with its page), so ↓/↑
  /// walk the picture as it reads.
  public var objects: [Object] { placed.map(\.object) }

  /// ``objects`` with where each is drawn (``rect(of:)``), found in one pass.
  public var placed: [(object: Object, rect: Rect)] {
    var left: [(object: Object, rect: Rect)] = []
    for box in processes {
      left.append((.process(box.process), box.rect))
      for (i, v) in box.vmas.enumerated() {
        left.append((.vma(v), Rect(x: box.rect.x, y: box.row(at: i), width: box.rect.width, height: 1)))
      }
    }
    for fold in processFolds { left.append((.fold(fold.members.firstProcess ?? 0), fold.rect)) }
    var right: [(object: Object, rect: Rect)] = []
    for (i, box) in anonVMAs.enumerated() {
      right.append((.anonVMA(box.anonVMA), box.rect))
      for cell in pageCells(ofBox: i) { right.append((.page(cell.page), cell.rect)) }
    }
    for box in stableNodes {
      right.append((.stableNode(box.node), box.rect))
      if let r = pageCell(inStableNode: box) { right.append((.page(box.page), r)) }
    }
    // Sorted by row (and column), stably: pages written in one `…+N` keep page order.
    func sorted(_ items: [(object: Object, rect: Rect)], byColumn: Bool) -> [(object: Object, rect: Rect)] {
      items.enumerated().sorted {
        let (a, b) = ($0.element.rect, $1.element.rect)
        return (a.y, byColumn ? a.x : 0, $0.offset) < (b.y, byColumn ? b.x : 0, $1.offset)
      }.map(\.element)
    }
    return sorted(left, byColumn: false) + sorted(right, byColumn: true)
  }

  /// Where an object is drawn: its box, its row inside its process's box, or a page's name (or
  /// the `…+N` that stands for it); nil when it is not drawn (gone, or inside a fold).
  public func rect(of object: Object) -> Rect? {
    switch object {
    case .process(let p): return processes.first { $0.process == p }?.rect
    case .vma(let v):
      for box in processes {
        if let y = box.row(of: v) { return Rect(x: box.rect.x, y: y, width: box.rect.width, height: 1) }
      }
      return nil
    case .anonVMA(let a): return anonVMAs.first { $0.anonVMA == a }?.rect
    case .fold(let p): return processFolds.first { $0.members.firstProcess == p }?.rect
    case .page(let page):
      if let i = contents.firstIndex(where: { $0.contains(page) }),
        let cell = pageCells(ofBox: i).first(where: { $0.page == page })
      {
        return cell.rect
      }
      return stableNodes.first { $0.page == page }.flatMap(pageCell(inStableNode:))
    case .stableNode(let k): return stableNodes.first { $0.node == k }?.rect
    }
  }

  /// Where each page filed in anon_vma box `i` is written on its `pages` line: its name, or the
  /// `…+N` that stands for the pages left out (when that is written in full); pages whose cells
  /// the box cut are left out.
  func pageCells(ofBox i: Int) -> [(page: PageID, rect: Rect, named: Bool)] {
    guard i < contents.count, i < anonVMAs.count, !contents[i].isEmpty else { return [] }
    let box = anonVMAs[i]
    // A freed box writes the pages still pointing at it (a use-after-free): cells too.
    guard box.lines.count > 2, box.lines[2].hasPrefix("pages ") else { return [] }
    let line = box.lines[2]
    // The line is written from `x + 2`; a line wider than the box ends in `…` at `maxX - 2`.
    let end = Self.textWidth(line) > box.rect.width - 3 ? box.rect.maxX - (ascii ? 3 : 2) : box.rect.maxX - 1
    let y = box.rect.y + 3
    var named: [String: Rect] = [:]
    var rest: Rect?
    var x = box.rect.x + 2
    for token in line.split(separator: " ", omittingEmptySubsequences: false) {
      let w = Self.textWidth(ascii ? Self.asciiText(String(token)) : String(token))
      if x + w <= end {
        let r = Rect(x: x, y: y, width: w, height: 1)
        if token.hasPrefix("pg") { named[String(token)] = r } else if token.hasPrefix("…") { rest = r }
      }
      x += w + 1
    }
    return contents[i].compactMap { page in
      if let r = named[World.pageName(page)] { return (page, r, true) }
      return rest.map { (page, $0, false) }
    }
  }

  /// Where a stable node's page is written (`page pgN`, its first line); nil for one freed
  /// in this step (its page freed with it).
  func pageCell(inStableNode box: StableNodeBox) -> Rect? {
    let name = World.pageName(box.page)
    guard box.change != .removed, box.lines.first == "page \(name)",
      box.rect.x + 7 + Self.textWidth(name) <= box.rect.maxX - 1
    else {
      return nil
    }
    return Rect(x: box.rect.x + 7, y: box.rect.y + 1, width: Self.textWidth(name), height: 1)
  }
}

extension ForestDiagram {
  /// A process box's name, its title's first word (`P3` of `P3 child of P2 exited`).
  func name(of box: ProcessBox) -> String? {
    titles[box.process]?.split(separator: " ").first.map(String.init)
  }

  /// The boxes the step made, freed or changed (`+`, `−`, `~`) whose title row, which carries
  /// their mark and name, is outside `rows`, named with their mark (`+AV3`, `−K1`, `~AV1`): the
  /// made first, then the freed, then the changed, each nearest the window first; above the rows,
  /// and below. The pane's border names them beside `↑ N more` and `↓ N more`, so what a step is
  /// about is found on a small terminal without the window moving (``Plan``: nothing moves
  /// between steps). At 80×24 E6 step 9 showed AV2's last rows with its title and changed `ext`
  /// above the window, and the border named only ~P2 ~P9, farther up.
  func marked(outside rows: Range<Int>) -> (above: [String], below: [String]) {
    var above: [(Int, String)] = []
    var below: [(Int, String)] = []
    let boxes: [(Change, String, Rect)] =
      processes.map { ($0.change, name(of: $0) ?? "P?", $0.rect) }
      + anonVMAs.map { ($0.change, World.avName($0.anonVMA), $0.rect) }
      + stableNodes.map { ($0.change, "K\($0.node.raw)", $0.rect) }
    for kind in [Change.added, .removed, .changed] {
      let mark = kind == .added ? "+" : kind == .changed ? "~" : ascii ? "-" : "−"
      var kindAbove: [(Int, String)] = []
      var kindBelow: [(Int, String)] = []
      for (change, name, r) in boxes where change == kind {
        if r.y < rows.lowerBound {
          kindAbove.append((rows.lowerBound - r.maxY, mark + name))
        } else if r.y >= rows.upperBound {
          kindBelow.append((r.y - rows.upperBound, mark + name))
        }
      }
      // Nearest first; boxes as far away in drawing order.
      func nearestFirst(_ named: [(Int, String)]) -> [(Int, String)] {
        named.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
      }
      above += nearestFirst(kindAbove)
      below += nearestFirst(kindBelow)
    }
    return (above.map(\.1), below.map(\.1))
  }
}

extension ForestDiagram {
  /// A part of the diagram a window opened on a step tries to show, and what showing it is worth.
  public struct RevealTarget: Equatable, Sendable {
    public var rect: Rect
    public var weight: RevealWeight
  }

  /// What showing a ``RevealTarget`` is worth, compared in order: the times the step's
  /// narration names it when the step changed it, the times it names it, then what the step did
  /// to it (``revealTargets(named:)``). Summed part by part over the targets a window shows.
  public struct RevealWeight: Comparable, AdditiveArithmetic, ExpressibleByIntegerLiteral, Sendable {
    public var namedChanged = 0
    public var named = 0
    public var change = 0

    public init(namedChanged: Int = 0, named: Int = 0, change: Int = 0) {
      self.namedChanged = namedChanged
      self.named = named
      self.change = change
    }
    public init(integerLiteral change: Int) { self.init(change: change) }
    public static var zero: RevealWeight { RevealWeight() }
    public static func + (a: RevealWeight, b: RevealWeight) -> RevealWeight {
      RevealWeight(namedChanged: a.namedChanged + b.namedChanged, named: a.named + b.named, change: a.change + b.change)
    }
    public static func - (a: RevealWeight, b: RevealWeight) -> RevealWeight {
      RevealWeight(namedChanged: a.namedChanged - b.namedChanged, named: a.named - b.named, change: a.change - b.change)
    }
    public static func < (a: RevealWeight, b: RevealWeight) -> Bool {
      (a.namedChanged, a.named, a.change) < (b.namedChanged, b.named, b.change)
    }
  }

  /// What the step is about, weighted for the window that opens on it
  /// (``revealWindow(_:extent:rows:)``). First what the step's narration names (`named`: `AV1`,
  /// `P3`, `K1`, each as many times as it is written; a VMA's name `P3:A@0` names its process),
  /// what the step changed before the rest (``RevealWeight``): a window that can show all of it
  /// does, else the one showing the most mentions. Then what the step did: a box it made or
  /// freed, or the anon_vma its rmap walk walks, outweighs all it changed (a changed box, a
  /// changed VMA row, a VMA the walk visits). At 80×24 E3's step 5 opened on the new P3 and AV3
  /// with AV1, whose `external_refcount is 2` its narration says, out of view; E5's step 7, whose
  /// narration names every box, must still open on the two it changed (P3 and AV3, `pg3`).
  func revealTargets(named: [String: Int]) -> [RevealTarget] {
    var targets: [RevealTarget] = []
    func weight(_ change: Change, name: String) -> RevealWeight {
      let mentions = named[name] ?? 0
      return RevealWeight(
        namedChanged: change == .same ? 0 : mentions, named: mentions,
        change: change == .same ? 0 : change == .added || change == .removed ? 100 : 3)
    }
    for box in processes {
      let name = name(of: box)
      if box.change != .same || name.map({ named[$0] != nil }) == true {
        targets.append(RevealTarget(rect: box.rect, weight: weight(box.change, name: name ?? "")))
      }
      for (i, v) in box.vmas.enumerated() {
        let row = Rect(x: box.rect.x, y: box.row(at: i), width: box.rect.width, height: 1)
        if let change = vmaChanges[v], change != .same, box.change == .same {
          targets.append(RevealTarget(rect: row, weight: 2))
        }
        if vmaLabels[v]?.walk != nil { targets.append(RevealTarget(rect: row, weight: 1)) }
      }
    }
    for box in anonVMAs {
      let name = World.avName(box.anonVMA)
      if box.change != .same || named[name] != nil {
        targets.append(RevealTarget(rect: box.rect, weight: weight(box.change, name: name)))
      }
      if box.walkLabel != nil { targets.append(RevealTarget(rect: box.rect, weight: 100)) }
    }
    for box in stableNodes {
      let name = "K\(box.node.raw)"
      if box.change != .same || named[name] != nil {
        targets.append(RevealTarget(rect: box.rect, weight: weight(box.change, name: name)))
      }
    }
    return targets
  }

  /// The window a step opens on, entered with the window's top at `current`: `current` again
  /// when it already shows whole as much weight of `targets` as any window does (and starts
  /// inside no box, or the best one does too), else ``revealWindow(_:extent:rows:boxes:)``. A
  /// lecturer stepping with → sees boxes move only when what the step is about would be out of
  /// view (at 80×24, E5's steps 5 to 10 put P3's title on rows 3, 9, 5, 9, 8, 3).
  public static func stepWindow(
    _ targets: [RevealTarget], extent: Int, rows: Int, boxes: [Range<Int>] = [], current: Int
  ) -> Int? {
    guard let chosen = revealWindow(targets, extent: extent, rows: rows, boxes: boxes) else { return nil }
    guard current >= 0, current <= max(0, extent - rows) else { return chosen }
    func weight(_ top: Int) -> RevealWeight { shown(targets, top: top, rows: rows).reduce(.zero) { $0 + $1.weight } }
    let keep = !startsInside(current, boxes) || startsInside(chosen, boxes)
    return keep && weight(current) >= weight(chosen) ? current : chosen
  }

  /// The targets whole in the window of `rows` rows from `top`.
  static func shown(_ targets: [RevealTarget], top: Int, rows: Int) -> [RevealTarget] {
    targets.filter { $0.rect.y >= top && $0.rect.maxY <= top + rows }
  }

  /// Whether a window from `top` starts inside one of `boxes`, below its title row.
  static func startsInside(_ top: Int, _ boxes: [Range<Int>]) -> Bool {
    boxes.contains { $0.lowerBound < top && top < $0.upperBound }
  }

  /// The rows of the boxes (processes, anon_vmas, stable nodes) a window should not start inside
  /// (``revealWindow(_:extent:rows:boxes:)``).
  var boxRows: [Range<Int>] {
    processes.map { $0.rect.y..<$0.rect.maxY } + anonVMAs.map { $0.rect.y..<$0.rect.maxY }
      + stableNodes.map { $0.rect.y..<$0.rect.maxY }
  }

  /// The top row of the window of `rows` rows (over a diagram `extent` rows high) that shows the
  /// most weight of `targets` whole; among those, the highest (the diagram's first rows stay
  /// where the last step had them), moved down to the first row that starts no box of `boxes`
  /// inside it when that keeps them whole (a box is not cut above its title). A function of the
  /// step alone (``stepWindow(_:extent:rows:boxes:current:)`` keeps the window on screen
  /// instead when it shows as much). Nil without targets (the window stays where it is). At
  /// 80×24 the windows centred what they showed: stepping E5 from step 5 to 10 moved P3's title
  /// to rows 2, 7, 4, 8, 5, 2 and cut P1's.
  public static func revealWindow(
    _ targets: [RevealTarget], extent: Int, rows: Int, boxes: [Range<Int>] = []
  ) -> Int? {
    guard !targets.isEmpty, rows > 0 else { return nil }
    let last = max(0, extent - rows)
    func clamp(_ top: Int) -> Int { max(0, min(top, last)) }
    // A target of height h at row y is whole in the windows from top maxY - rows to top y: the
    // score of every top is a sum over those ranges, swept in order (a fork of a process with
    // thousands of VMAs has thousands of targets). The best top starts a range, or is 0.
    var changes: [(at: Int, delta: RevealWeight, enters: Bool)] = []
    for t in targets where t.rect.height <= rows {
      changes.append((t.rect.maxY - rows, t.weight, true))
      changes.append((t.rect.y + 1, .zero - t.weight, false))
    }
    changes.sort { $0.at < $1.at }
    let candidates = Set(changes.filter(\.enters).map { clamp($0.at) } + [0]).sorted()
    var best: (top: Int, score: RevealWeight)?
    var score = RevealWeight.zero
    var next = 0
    for top in candidates {
      while next < changes.count, changes[next].at <= top {
        score += changes[next].delta
        next += 1
      }
      if best == nil || score > (best?.score ?? .zero) { best = (top, score) }
    }
    guard let best else { return nil }
    let inView = shown(targets, top: best.top, rows: rows)
    guard let low = inView.map(\.rect.y).min(), let high = inView.map(\.rect.maxY).max() else {
      // Nothing fits whole: the first target's top.
      return clamp(targets[0].rect.y)
    }
    let highest = clamp(high - rows)
    let lowest = clamp(low)
    guard highest < lowest else { return highest }
    return (highest...lowest).first { !startsInside($0, boxes) } ?? highest
  }
}
