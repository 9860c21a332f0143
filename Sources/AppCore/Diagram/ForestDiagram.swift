import AnonVMASim
import TermRender

/// The forest as boxes and arrows, laid out once per world: processes (fork tree, each box
/// holding its VMAs) on the left, anon_vmas (grouped by forest, the root on top) on the right,
/// `vma->anon_vma` as arrows between them and `anon_vma->root` as double arrows on the far right.
///
/// ```
/// ┌─ P1 ───────────┐        ┏━ AV1 root ━━━━━━━━━┓
/// │ A@0 0..0 rw    ├───────►┃ ext 1              ┃◄╗
/// └┬───────────────┘        ┃ list P1:A@0 P2:A@0 ┃ ║
///  │ ┌─ P2 ────────┐        ┃ pages pg1          ┃ ║
///  └►│ A@0 0..0 rw ├───┐    ┗━━━━━━━━━━━━━━━━━━━━┛ ║
///    └─────────────┘   │    ┌─ AV2 ──────────────┐ ║
///                      └───►│ ext 0              ├═╝
///                           │ list P2:A@0        │
///                           └────────────────────┘
/// ```
///
/// The root lock is drawn on what it covers: while a CPU holds `anon_vma_lock(root)` (2.6.36,
/// 6.x: every anon_vma of the forest, and every VMA on their lists; 2.6.34: only the one
/// anon_vma and its VMAs), those boxes are drawn heavy and marked `▌`, and the locked box's title
/// names the holder, its mode and the operation that took it, and the CPUs waiting.
///
/// Objects are stacked in id order inside their group, so an object keeps its place while the
/// objects before it stay; an anon_vma or process that went away in this step keeps its place,
/// marked `-`, for that step. Pure: a value computed from a world (and the one before it);
/// ``draw(into:in:scroll:)`` draws any window of it, touching only what the window shows.
public struct ForestDiagram: Sendable {
  /// What the diagram shows beyond the world itself.
  public struct Options: Sendable {
    public var ascii = false
    /// The world before this step: what changed is marked (`+` new, `~` changed, `-` gone).
    public var previous: World?
    /// The world whose locks are drawn, when not this one: a step's picture shows the lock of
    /// its most telling micro-step (``StepLocks/featured``), long released by the step's end.
    public var lockMoment: World?
    public init(ascii: Bool = false, previous: World? = nil, lockMoment: World? = nil) {
      self.ascii = ascii
      self.previous = previous
      self.lockMoment = lockMoment
    }
  }

  /// How an object changed in this step.
  public enum Change: Sendable, Hashable {
    case same, added, changed, removed
  }

  /// A process box and where its VMAs' rows are.
  public struct ProcessBox: Sendable, Hashable {
    public var process: Int
    public var depth: Int
    public var rect: Rect
    public var change: Change
    /// VMA ids in the box, top to bottom; VMA `vmas[i]` is written on row `rect.y + 1 + i`.
    public var vmas: [Int]
    public func row(of vma: Int) -> Int? { vmas.firstIndex(of: vma).map { rect.y + 1 + $0 } }
  }

  /// An anon_vma box.
  public struct AnonVMABox: Sendable, Hashable {
    public var anonVMA: Int
    public var rect: Rect
    public var isRoot: Bool
    public var change: Change
    public var title: String
    public var lines: [String]
    /// Inside a held lock's reach.
    public var locked: Bool
    /// Who holds this anon_vma's lock and who waits for it, written beside the box.
    public var lockLabel: String?
    /// The reverse-map walk going over this anon_vma's list, written beside the box.
    public var walkLabel: String?
  }

  /// A KSM stable node and the anon_vmas its rmap_items hold.
  public struct StableNodeBox: Sendable, Hashable {
    public var rect: Rect
    public var title: String
    public var lines: [String]
  }

  /// An arrow: the corner points of its line, tail (on a box's side) first, head last.
  public struct Arrow: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
      /// `vma->anon_vma`.
      case vmaAnonVMA(vma: Int, anonVMA: Int)
      /// `anon_vma->root`.
      case root(anonVMA: Int, root: Int)
      /// fork: parent process to child.
      case fork(parent: Int, child: Int)
      /// `anon_vma->parent` (6.x).
      case parent(anonVMA: Int, parent: Int)
    }
    public var kind: Kind
    public var xs: [Int]
    public var ys: [Int]
    public var tail: (x: Int, y: Int) { (xs.first ?? 0, ys.first ?? 0) }
    init(_ kind: Kind, _ points: [(Int, Int)]) {
      self.kind = kind
      xs = points.map(\.0)
      ys = points.map(\.1)
    }
  }

  public private(set) var processes: [ProcessBox] = []
  public private(set) var anonVMAs: [AnonVMABox] = []
  public private(set) var stableNodes: [StableNodeBox] = []
  public private(set) var arrows: [Arrow] = []
  /// VMAs a held lock covers.
  public private(set) var lockedVMAs: Set<Int> = []
  /// The reverse-map walk of this step (or the one in progress): its page, VMAs in visit order,
  /// VMAs skipped.
  public private(set) var walk: RmapWalk?
  /// The column where lock and walk labels start, right of the arrows beside the anon_vmas.
  public private(set) var labelX = 0
  /// The size the whole diagram needs.
  public private(set) var width = 0
  public private(set) var height = 0
  let ascii: Bool
  /// Labels of VMA rows and process titles.
  var vmaLabels: [Int: (text: String, chain: String, walk: String?)] = [:]
  var titles: [Int: String] = [:]

  public init(_ world: World, options: Options = Options()) {
    ascii = options.ascii
    let locks = Self.locks(options.lockMoment ?? world, shownIn: world)
    lockedVMAs = locks.vmas
    walk = Self.walk(world)
    layOutProcesses(world, previous: options.previous)
    layOutAnonVMAs(world, previous: options.previous, locks: locks)
    routeAnonVMAPointers(world)
    // Parent arrows first: the root trunk, drawn later, passes over them.
    routeParentPointers(world)
    routeRootPointers(world)
  }

  // MARK: Locks

  /// What the held anon_vma locks cover: for each locked anon_vma, the anon_vmas whose
  /// `anon_vma_lock()` takes that lock (`World.lockTarget(of:)`: the whole forest under a root
  /// lock, the anon_vma alone in 2.6.34), the VMAs on their lists, and a title naming holders
  /// and waiters.
  /// The locks are `w`'s; only objects `shown` has are marked.
  static func locks(_ w: World, shownIn shown: World) -> (anonVMAs: Set<Int>, vmas: Set<Int>, titles: [Int: String]) {
    var covered = Set<Int>()
    var vmas = Set<Int>()
    var titles: [Int: String] = [:]
    let locked = w.lockHolders.keys
    guard !locked.isEmpty || w.cpus.contains(where: { $0.waitingFor != nil }) else { return ([], [], [:]) }
    for a in w.aliveAnonVMAs where locked.contains(w.lockTarget(of: a)) && shown.anonVMA(a)?.alive == true {
      covered.insert(a)
      for v in w.listVMAs(a) where shown.vmas[v] != nil { vmas.insert(v) }
    }
    for lock in Set(locked + w.cpus.compactMap(\.waitingFor)) {
      var parts: [String] = []
      for h in w.lockHolders[lock] ?? [] {
        let mode = h.mode == .exclusive ? "" : " \(h.mode.rawValue)"
        parts.append("cpu\(h.cpu)\(mode)" + (h.op.map { " (\($0))" } ?? ""))
      }
      let waiting = w.cpus.filter { $0.waitingFor == lock }.map(\.name)
      var title = parts.isEmpty ? "" : "locked by " + parts.joined(separator: ", ")
      if !waiting.isEmpty { title += (title.isEmpty ? "" : "; ") + "waiting " + waiting.joined(separator: " ") }
      titles[lock] = title
    }
    return (covered, vmas, titles)
  }

  /// The walk to draw: one a CPU is in the middle of, else the one that finished in this step
  /// (in later steps the page may have moved and what it visited be gone).
  static func walk(_ w: World) -> RmapWalk? {
    if let running = w.cpus.lazy.compactMap(\.regs.walk).first { return running }
    if let done = w.lastWalk, done.step == w.step { return done }
    return nil
  }

  /// What the walk did at a VMA: `rmap #N` in visit order, or `rmap skipped`.
  func walkNote(_ name: String) -> String? {
    guard let walk else { return nil }
    if let i = walk.visited.firstIndex(of: name) { return "rmap #\(i + 1)" }
    if walk.skipped.contains(name) { return "rmap skipped" }
    return nil
  }

  // MARK: Layout

  /// Columns a child's box is indented under its parent's.
  static let indent = 3

  /// Processes in fork-tree order (children by id under their parent), stacked: the live ones
  /// and the ones that exited in this step.
  private mutating func layOutProcesses(_ w: World, previous: World?) {
    func shown(_ p: Int) -> Bool {
      w.processes[p].alive || (previous.map { p < $0.processes.count && $0.processes[p].alive } ?? false)
    }
    var children = [[Int]](repeating: [], count: w.processes.count)
    var roots: [Int] = []
    for p in w.processes.indices where shown(p) {
      // A child whose parent is gone hangs at the top level, as the kernel reparents it.
      if let parent = w.processes[p].parent, shown(parent) {
        children[parent].append(p)
      } else {
        roots.append(p)
      }
    }
    var order: [(Int, Int)] = []
    var stack = roots.reversed().map { ($0, 0) }
    while let (p, depth) = stack.popLast() {
      order.append((p, depth))
      for c in children[p].reversed() { stack.append((c, depth + 1)) }
    }
    // Labels first: every box ends at the same right edge, so arrows leave from one column.
    var right = 0
    var vmasOf: [Int: [Int]] = [:]
    for (p, depth) in order {
      let gone = !w.processes[p].alive
      let vmas = gone ? (previous?.processes[p].vmas ?? []) : w.processes[p].vmas
      let source = gone ? (previous ?? w) : w
      vmasOf[p] = vmas.filter { source.vmas[$0] != nil }
      titles[p] = " \(w.processes[p].name)\(gone ? " exited" : "") "
      var inner = Buffer.width(titles[p] ?? "") + 3
      for v in vmasOf[p] ?? [] {
        guard let vma = source.vmas[v] else { continue }
        let text = "\(vma.mapping)@\(vma.firstPage) \(vma.firstPage)..\(vma.firstPage + vma.pages - 1) \(vma.prot.rawValue)"
        let chain = source.chainAnonVMAs(v).map(World.avName)
        let label = (text, chain.count > 1 ? "chain " + Self.elided(chain, max: 5) : "", walkNote(source.vmaName(v)))
        vmaLabels[v] = label
        let extras = [label.1, label.2 ?? ""].filter { !$0.isEmpty }.map { 2 + Buffer.width($0) }.reduce(0, +)
        inner = max(inner, Buffer.width(label.0) + extras + 3)
      }
      right = max(right, depth * Self.indent + inner + 1)
    }
    var y = 0
    for (p, depth) in order {
      let x = depth * Self.indent
      let vmas = vmasOf[p] ?? []
      let change = Self.change(of: p, w, previous)
      let rect = Rect(x: x, y: y, width: right - x + 1, height: max(1, vmas.count) + 2)
      processes.append(ProcessBox(process: p, depth: depth, rect: rect, change: change, vmas: vmas))
      y += rect.height
    }
    // Fork edges: from the parent's bottom border down the indent column into the child's side.
    var boxOf: [Int: ProcessBox] = [:]
    for box in processes { boxOf[box.process] = box }
    for box in processes {
      guard let parent = w.processes[box.process].parent, let pbox = boxOf[parent] else { continue }
      let x = pbox.rect.x + 1
      arrows.append(
        Arrow(
          .fork(parent: parent, child: box.process),
          [(x, pbox.rect.maxY - 1), (x, box.rect.y + 1), (box.rect.x - 1, box.rect.y + 1)]))
    }
    width = right + 1
    height = y
  }

  static func change(of process: Int, _ w: World, _ previous: World?) -> Change {
    guard let previous else { return .same }
    guard process < previous.processes.count, previous.processes[process].alive else { return .added }
    guard w.processes[process].alive else { return .removed }
    let vmas = w.processes[process].vmas
    guard vmas == previous.processes[process].vmas else { return .changed }
    for v in vmas {
      guard let old = previous.vmas[v], let new = w.vmas[v] else { return .changed }
      if old.start != new.start || old.end != new.end || old.prot != new.prot || old.anonVMA != new.anonVMA
        || old.chainTailFirst != new.chainTailFirst
      {
        return .changed
      }
    }
    return .same
  }

  /// The counters this kernel's `struct anon_vma` has, as the box's first line.
  static func counters(_ a: AnonVMA, _ kernel: KernelVersion) -> String {
    switch kernel {
    case .v2_6_34: "ksm \(a.refcount)"
    case .v2_6_36: "ext \(a.refcount)"
    case .v6: "ref \(a.refcount) nc \(a.numChildren) act \(a.numActiveVMAs)"
    }
  }

  /// Alive anon_vmas (and the ones freed in this step) grouped by forest, the root first,
  /// stacked to the right of the arrows; then the KSM stable nodes.
  private mutating func layOutAnonVMAs(
    _ w: World, previous: World?, locks: (anonVMAs: Set<Int>, vmas: Set<Int>, titles: [Int: String])
  ) {
    var ids = w.aliveAnonVMAsByForest
    if let previous {
      // Freed in this step: shown in their old place, once.
      let gone = previous.aliveAnonVMAs.filter { w.anonVMA($0)?.alive != true }
      if !gone.isEmpty {
        let keyOf = { (a: Int) in w.kernel == .v2_6_34 ? a : (previous.anonVMA(a)?.root ?? a) }
        ids = (ids.map { ($0, w.kernel == .v2_6_34 ? $0 : (w.anonVMA($0)?.root ?? $0)) } + gone.map { ($0, keyOf($0)) })
          .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
      }
    }
    var pagesOf: [Int: [Int]] = [:]
    for page in w.pages where !page.freed {
      if case .anon(let a) = page.mapping { pagesOf[a, default: []].append(page.id) }
    }
    var boxes: [AnonVMABox] = []
    var inner = 0
    var labelWidth = 0
    for a in ids {
      guard let av = w.anonVMA(a) else { continue }
      let isRoot = w.kernel != .v2_6_34 && (av.root ?? a) == a
      let change: Change
      if !av.alive {
        change = .removed
      } else if let old = previous?.anonVMA(a) {
        change = old.alive ? (old == av ? .same : .changed) : .added
      } else {
        change = previous == nil ? .same : .added
      }
      var lines = [Self.counters(av, w.kernel)]
      if av.alive {
        let list = w.listVMAs(a).map { w.vmaName($0) }
        lines.append("list " + (list.isEmpty ? "(empty)" : Self.elided(list, max: 4)))
        if let pages = pagesOf[a] {
          lines.append("pages " + Self.elided(pages.map(World.pageName), max: 6))
        } else if w.kernel == .v6 {
          lines.append("pages none")  // a third row: the parent arrow leaves from it
        }
      } else {
        lines.append("freed")
      }
      let title = " \(World.avName(a))\(isRoot ? " root" : "") "
      let lockLabel = locks.titles[a].flatMap { $0.isEmpty ? nil : $0 }
      var walkLabel: String?
      if let walk, w.pages.indices.contains(walk.page - 1), w.pages[walk.page - 1].mapping == .anon(a) {
        walkLabel = "rmap walk of \(World.pageName(walk.page)) from \(walk.origin)"
      }
      labelWidth = max(labelWidth, lockLabel.map { Buffer.width($0) + 1 } ?? 0, walkLabel.map { Buffer.width($0) + 1 } ?? 0)
      inner = max(inner, Buffer.width(title) + 3, lines.map { Buffer.width($0) + 3 }.max() ?? 0)
      boxes.append(
        AnonVMABox(
          anonVMA: a, rect: Rect(x: 0, y: 0, width: 0, height: lines.count + 2), isRoot: isRoot, change: change,
          title: title, lines: lines, locked: locks.anonVMAs.contains(a), lockLabel: lockLabel,
          walkLabel: walkLabel))
    }
    // KSM: each stable node's page and the anon_vmas its rmap_items hold (get_anon_vma).
    var nodes: [StableNodeBox] = []
    for (i, node) in w.stableNodes.enumerated() where node.alive {
      let items = node.items.map { "\($0.vmaName)→\(World.avName($0.anonVMA))" }
      let lines = ["page \(World.pageName(node.page))", "items " + (items.isEmpty ? "(none)" : Self.elided(items, max: 3))]
      let title = " KSM stable node K\(i + 1) "
      inner = max(inner, Buffer.width(title) + 3, lines.map { Buffer.width($0) + 3 }.max() ?? 0)
      nodes.append(StableNodeBox(rect: Rect(x: 0, y: 0, width: 0, height: lines.count + 2), title: title, lines: lines))
    }
    // Lanes for `vma->anon_vma`: one per anon_vma some VMA points at.
    let targets = Set(processes.flatMap { box in box.vmas.compactMap { w.vmas[$0]?.anonVMA } })
    let left = width + 2 + 2 * targets.count + 2
    var y = 0
    for i in boxes.indices {
      boxes[i].rect = Rect(x: left, y: y, width: inner + 2, height: boxes[i].rect.height)
      y += boxes[i].rect.height
    }
    for i in nodes.indices {
      nodes[i].rect = Rect(x: left, y: y, width: inner + 2, height: nodes[i].rect.height)
      y += nodes[i].rect.height
    }
    anonVMAs = boxes
    stableNodes = nodes
    // Right of the boxes: the root trunk, then the lock labels.
    labelX = left + inner + 2 + 3
    width = labelX + labelWidth
    height = max(height, y)
  }

  /// `a b c …+N`: the first `max` items, then how many more.
  static func elided(_ items: [String], max: Int) -> String {
    items.count <= max ? items.joined(separator: " ") : items.prefix(max).joined(separator: " ") + " …+\(items.count - max)"
  }

  /// `vma->anon_vma`: a bus per anon_vma in the lanes between the columns, ordered by the
  /// anon_vma's row (buses to higher boxes run nearer the processes).
  private mutating func routeAnonVMAPointers(_ w: World) {
    var boxOf: [Int: Rect] = [:]
    for box in anonVMAs where box.change != .removed { boxOf[box.anonVMA] = box.rect }
    let right = processes.map { $0.rect.maxX - 1 }.max() ?? 0
    var sources: [Int: [(vma: Int, y: Int)]] = [:]
    for box in processes where box.change != .removed {
      for (i, v) in box.vmas.enumerated() {
        if let a = w.vmas[v]?.anonVMA, boxOf[a] != nil { sources[a, default: []].append((v, box.rect.y + 1 + i)) }
      }
    }
    let order = sources.keys.sorted { (boxOf[$0]?.y ?? 0, $0) < (boxOf[$1]?.y ?? 0, $1) }
    for (lane, a) in order.enumerated() {
      guard let target = boxOf[a] else { continue }
      let x = right + 2 + 2 * lane
      for s in sources[a] ?? [] {
        arrows.append(
          Arrow(.vmaAnonVMA(vma: s.vma, anonVMA: a), [(right, s.y), (x, s.y), (x, target.y + 1), (target.x - 1, target.y + 1)]))
      }
    }
  }

  /// `anon_vma->root`: from each member's right side into one trunk per forest (forests are
  /// stacked apart, so one column serves them all), up into the root's right side.
  private mutating func routeRootPointers(_ w: World) {
    guard w.kernel != .v2_6_34 else { return }  // 2.6.34 has no anon_vma->root
    var rowOf: [Int: Int] = [:]
    for box in anonVMAs where box.change != .removed { rowOf[box.anonVMA] = box.rect.y + 1 }
    for box in anonVMAs where !box.isRoot && box.change != .removed {
      guard let root = w.anonVMA(box.anonVMA)?.root, let ry = rowOf[root] else { continue }
      let edge = box.rect.maxX - 1
      arrows.append(
        Arrow(.root(anonVMA: box.anonVMA, root: root), [(edge, box.rect.y + 1), (edge + 2, box.rect.y + 1), (edge + 2, ry), (edge + 1, ry)]))
    }
  }

  /// `anon_vma->parent` (6.x, set by `anon_vma_fork()` for the `num_children` count and reuse):
  /// dashed arrows between the boxes' right sides, outside the root trunk, in as few lanes as
  /// their row spans allow.
  private mutating func routeParentPointers(_ w: World) {
    guard w.kernel == .v6 else { return }
    var rectOf: [Int: Rect] = [:]
    for box in anonVMAs where box.change != .removed { rectOf[box.anonVMA] = box.rect }
    var edges: [(child: Int, parent: Int, top: Int, bottom: Int)] = []
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
      arrows.append(Arrow(.parent(anonVMA: e.child, parent: e.parent), [(edge, c.y + 3), (x, c.y + 3), (x, p.y + 2), (edge + 1, p.y + 2)]))
    }
    labelX += 2 * laneEnds.count + 1
    width += 2 * laneEnds.count + 1
  }
}
