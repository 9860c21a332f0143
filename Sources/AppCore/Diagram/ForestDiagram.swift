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
/// KSM stable nodes stand right of everything when the width allows, each rmap_item's row an
/// arrow into the anon_vma it holds (entering the box's last row, under the root trunk); below
/// the anon_vmas otherwise, each rmap_item written `P2 A 0→AV2`.
///
/// The root lock is drawn on what it covers: while a CPU holds `anon_vma_lock(root)` (2.6.36,
/// 6.x: every anon_vma of the forest, and every VMA on their lists; 2.6.34: only the one
/// anon_vma and its VMAs), one shaded outline (``LockOutline``) goes around those anon_vma
/// boxes (a forest's boxes stand together, a blank row above and below each forest's group),
/// labelled with the holders (readers of a 6.x rwsem as sharing) and the CPUs waiting; the
/// boxes are drawn heavy and marked `▌`, as are the rows of the VMAs on their lists.
///
/// Objects are stacked in id order inside their group, so an object keeps its place while the
/// objects before it stay; an anon_vma or process that went away in this step keeps its place,
/// marked `-`, for that step. Pure: a value computed from a world (and the one before it);
/// ``draw(into:in:scroll:)`` draws any window of it, touching only what the window shows.
public struct ForestDiagram: Sendable {
  /// What the diagram shows beyond the world itself.
  public struct Options: Sendable {
    public var ascii = false
    /// The world before this step: what changed is marked (`+` new, `~` changed, `-` gone): a
    /// process whose VMAs or pages changed, an anon_vma whose fields or filed pages changed, a
    /// KSM stable node.
    public var previous: World?
    /// The world whose locks are drawn, when not this one: a step's picture shows the lock of
    /// its most telling micro-step (``StepLocks/featured``), long released by the step's end.
    public var lockMoment: World?
    /// At most this many lanes of `vma->anon_vma` arrows between the columns; a pointer that
    /// finds no lane is written on its VMA's row instead (`→AV7`).
    public var maxLanes = 8
    /// Fold runs of three or more identical sibling subtrees (same VMAs, chain lengths and
    /// children, none changed in this step) into their first and one `×N` box, and the
    /// anon_vmas only they use into one box per run.
    public var fold = false
    /// The selected (or pinned) object: it and everything it points to or is pointed to by are
    /// highlighted.
    public var selection: Object?
    /// Objects to emphasize besides (in compare: what differs from the other model).
    public var emphasized: Set<Object> = []
    /// Where every object stands for its lifetime (``Plan``, computed once per timeline): with
    /// it an object keeps its place from step to step. Folding does not follow a plan (a fold
    /// moves what is below it), so with `fold` the layout is this world's own.
    public var plan: Plan?
    /// The width to fit in (the pane's canvas): a wider diagram narrows itself (``Fit``), as
    /// far as needed, when the narrowest it can be fits; with a plan, the plan's fit (made for
    /// its own width) is followed.
    public var maxWidth: Int?
    public init(
      ascii: Bool = false, previous: World? = nil, lockMoment: World? = nil, maxLanes: Int = 8, fold: Bool = false,
      selection: Object? = nil, emphasized: Set<Object> = [], plan: Plan? = nil, maxWidth: Int? = nil
    ) {
      self.maxWidth = maxWidth
      self.plan = plan
      self.selection = selection
      self.emphasized = emphasized
      self.ascii = ascii
      self.previous = previous
      self.lockMoment = lockMoment
      self.maxLanes = maxLanes
      self.fold = fold
    }
  }

  /// How an object changed in this step.
  public enum Change: Sendable, Hashable {
    case same, added, changed, removed
  }

  /// A process box and where its VMAs' rows are.
  public struct ProcessBox: Sendable, Hashable {
    public var process: ProcessID
    public var depth: Int
    public var rect: Rect
    public var change: Change
    /// VMA ids in the box, top to bottom; VMA `vmas[i]` is written on row `rect.y + 1 + rows[i]`
    /// (with a plan a row stays empty where a VMA is gone: `rows` has gaps).
    public var vmas: [VMAID]
    public var rows: [Int]
    /// The row VMA `vmas[i]` is written on.
    public func row(at i: Int) -> Int { rect.y + 1 + rows[i] }
    public func row(of vma: VMAID) -> Int? { vmas.firstIndex(of: vma).map { row(at: $0) } }
  }

  /// An anon_vma box.
  public struct AnonVMABox: Sendable, Hashable {
    public var anonVMA: AnonVMAID
    public var rect: Rect
    public var isRoot: Bool
    public var change: Change
    public var title: String
    public var lines: [String]
    /// Inside a held lock's reach.
    public var locked: Bool
    /// Who holds this anon_vma's lock and who waits for it, written beside the box.
    public var lockLabel: String?
    /// The reverse-map walk going over this anon_vma's list, written on the box's bottom edge.
    public var walkLabel: String?
  }

  /// A run of identical sibling subtrees, or of their anon_vmas, folded into one box (`×N`).
  public struct FoldBox: Sendable, Hashable {
    public var rect: Rect
    public var text: String
    public var depth: Int
    /// Processes (or anon_vmas) inside the fold.
    public var members: Members

    /// What a fold holds.
    public enum Members: Sendable, Hashable {
      case processes([ProcessID])
      case anonVMAs([AnonVMAID])

      /// The first process of a run of processes (what names the fold), nil for anon_vmas.
      public var firstProcess: ProcessID? {
        if case .processes(let members) = self { members.first } else { nil }
      }
    }
  }

  /// A KSM stable node and the anon_vmas its rmap_items hold.
  public struct StableNodeBox: Sendable, Hashable {
    public var node: StableNodeID
    /// The KSM page (`stable_node->kpfn`), written on the first line.
    public var page: PageID
    public var rect: Rect
    public var title: String
    /// `page pgN`, then one row per rmap_item (at most ``ForestDiagram/maxItemRows``, then
    /// `…+N more`): `P2 A 0→AV2`, or `rmap_item P2 A 0` where its arrow is drawn.
    public var lines: [String]
    /// The rmap_items on the node's list, in list order: the VMA (`process:vma@address`) and
    /// the anon_vma each holds (`rmap_item->anon_vma`).
    public var items: [RmapItem]
    /// `+` a node new in this step (KSM merged a page), `~` one whose page or rmap_items changed,
    /// `−` one freed in this step (drawn once in its place).
    public var change: Change = .same
  }

  /// An arrow: the corner points of its line, tail (on a box's side) first, head last.
  public struct Arrow: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
      /// `vma->anon_vma`.
      case vmaAnonVMA(vma: VMAID, anonVMA: AnonVMAID)
      /// `anon_vma->root`.
      case root(anonVMA: AnonVMAID, root: AnonVMAID)
      /// fork: parent process to child.
      case fork(parent: ProcessID, child: ProcessID)
      /// `anon_vma->parent` (6.x).
      case parent(anonVMA: AnonVMAID, parent: AnonVMAID)
      /// `page->mapping` of pages mapped in the VMA, naming a freed anon_vma (a use-after-free).
      case danglingMapping(vma: VMAID, anonVMA: AnonVMAID)
      /// `rmap_item->anon_vma` of a KSM stable node's rmap_item: the anon_vma it holds a
      /// reference on (``ForestDiagram/placeStableNodesBeside(_:)``).
      case ksm(node: StableNodeID, item: Int, anonVMA: AnonVMAID)
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

  public internal(set) var processes: [ProcessBox] = []
  public internal(set) var anonVMAs: [AnonVMABox] = []
  public internal(set) var stableNodes: [StableNodeBox] = []
  /// Folded runs of processes, and of the anon_vmas only they use.
  public internal(set) var processFolds: [FoldBox] = []
  public internal(set) var anonVMAFolds: [FoldBox] = []
  /// Processes inside folds (not drawn).
  public internal(set) var foldedProcesses: Set<ProcessID> = []
  public internal(set) var arrows: [Arrow] = []
  /// The selected VMA's `anon_vma_chain`, one connector per entry in list order (head first).
  public internal(set) var chainConnectors: [Arrow] = []
  /// What the selection points to or is pointed to by (``related(to:in:)``), highlighted.
  public internal(set) var related: Set<Object> = []
  /// A selected anon_vma's list (``listPlaces(of:in:)``): each VMA on it and its place, numbered
  /// on the VMA's row where a related one is marked `◇`.
  public internal(set) var listPlaces: [VMAID: Int] = [:]
  /// Per VMA: the pages it maps whose `page->mapping` is a freed anon_vma (a use-after-free).
  public internal(set) var dangling: [VMAID: [DanglingMapping]] = [:]
  /// What the step did to each VMA of a process box that is not new or gone as a whole (only
  /// the VMAs it added, changed or removed: ``labelVMAs(_:)``); marked on the row's left border.
  public internal(set) var vmaChanges: [VMAID: Change] = [:]
  /// The objects the step's violations name, with their codes (``violationMarks(_:)``).
  public internal(set) var violationMarks: [Object: [String]] = [:]
  /// VMAs a held lock covers.
  public internal(set) var lockedVMAs: Set<VMAID> = []
  /// Each held lock as one outline around the anon_vmas it covers.
  public internal(set) var lockOutlines: [LockOutline] = []
  /// The reverse-map walk of this step (or the one in progress): its page, VMAs in visit order,
  /// VMAs skipped.
  public internal(set) var walk: RmapWalk?
  /// The CPU that walks (`cpu0`), where the scene runs more than one: the rwsem scene's step 11
  /// drew cpu0's walk inside the outline of cpu1's hold, its label naming no CPU.
  public internal(set) var walker: String?
  /// The walk's label (`rmap walk of pg1 from P1 A 0`) when its anon_vma's edge holds only a
  /// shorter form: the pane writes it whole on its bottom border.
  public internal(set) var walkLabelLeftOut: String?
  /// The column where lock and walk labels start, right of the arrows beside the anon_vmas.
  public internal(set) var labelX = 0
  /// The size the whole diagram needs.
  public internal(set) var width = 0
  public internal(set) var height = 0
  /// The first row under the diagram at every step of its plan (``Plan/timelineHeight``): the
  /// step's locks stand there, and do not move with a step's height; a diagram with no plan, or
  /// folded (a fold follows none), its own height.
  var underRow: Int {
    guard processFolds.isEmpty, let plan = options.plan else { return height }
    return max(height, plan.timelineHeight)
  }
  /// The first row under everything this step draws (boxes, folds, a lock's shading a row
  /// outside its boxes): a plan's rows below it are blank here, kept for other steps' objects.
  var drawnBottom: Int {
    let boxes =
      processes.map(\.rect.maxY) + stableNodes.map(\.rect.maxY) + (processFolds + anonVMAFolds).map(\.rect.maxY)
    return max(boxes.max() ?? 0, anonVMAs.map { $0.rect.maxY + ($0.locked ? 1 : 0) }.max() ?? 0)
  }
  let ascii: Bool
  /// What it shows; only the selection changes after layout (``selecting(_:in:)``).
  var options: Options
  /// Labels of VMA rows and process titles.
  var vmaLabels: [VMAID: VMALabel] = [:]
  /// With a plan's PTE rows (``Plan/pteRows``): each VMA's page-table entries
  /// (``pteTexts(_:_:previous:)``), written on the row under its label.
  var pteRows: [VMAID: [PTEText]] = [:]
  var titles: [ProcessID: String] = [:]
  /// What this world needs, whatever the plan fixes: the process boxes' right edge, the lanes
  /// used, the anon_vma boxes' inner width (``Plan`` measures with them).
  var neededRight = 0
  var usedLanes = 0
  var neededAnonVMAInner = 0
  /// The inner width that writes every lock outline's label whole, with the holders'
  /// operations (`AV1 lock: cpu0 (mprotect P1 A 2..3 rw)`): a plan with room to spare gives it.
  var wantedAnonVMAInner = 0
  /// The inner width the anon_vma boxes' titles and lines need (``measureAnonVMAText()``).
  var anonVMATextInner = 0
  /// Columns right of the root trunk this world needs (labels, 6.x parent lanes), and where
  /// they start.
  var neededTail = 0
  var trunkEnd = 0
  /// How this diagram narrows itself (``Fit``).
  var fit: Fit
  /// Per anon_vma box (as ``anonVMAs``): the pages filed in it, from which a fit that cuts the
  /// boxes (``Fit/anonVMAInner``) writes its `pages` line (and its `list` line from the world).
  var contents: [[PageID]] = []
  /// Of each anon_vma box's `contents`, the pages the step filed in it (none at the first step):
  /// a cut `pages` line never leaves them out.
  var freshContents: [Set<PageID>] = []
  /// The plan followed: the options' unless folding.
  var plan: Plan? { options.fold ? nil : options.plan }

  public init(_ world: World, options: Options = Options()) {
    // The rows depend on no width: laid out once, then the columns for each fit tried.
    self = Self(rows: world, options: options).completed(world)
  }

  /// These rows (``init(rows:options:)``) laid out: with the plan's fit, else with the first
  /// fit that makes them fit ``Options/maxWidth``.
  func completed(_ world: World) -> ForestDiagram {
    if !options.fold, let fit = options.plan?.fit { return laidOut(world, fit: fit) }
    return fitted(world)
  }

  /// These rows laid out with the first fit that makes them fit ``Options/maxWidth`` (``Fit``).
  func fitted(_ world: World) -> ForestDiagram {
    // The lanes, which depend on the rows only, are assigned once for every fit tried.
    let unlimited = greedyLanes(world, maxLanes: .max)
    let whole = laidOut(world, fit: Fit(lanes: options.maxLanes), lanes: unlimited)
    guard let maxWidth = options.maxWidth, whole.width > maxWidth else { return whole }
    let widest = whole.usedLanes
    let levels = Fit.levels(from: widest, maxLanes: options.maxLanes, excess: whole.width - maxWidth)
    // A fit tried is only measured (its columns, no arrows routed), once (``Fit/relaxed`` asks
    // again about fits the search measured); the one chosen is laid out.
    var measured: [Fit: Bool] = [:]
    func fits(_ fit: Fit) -> Bool {
      if let known = measured[fit] { return known }
      let fits = laidOut(world, fit: fit, measuring: true, lanes: unlimited).width <= maxWidth
      measured[fit] = fits
      return fits
    }
    // Narrowed only when the narrowest fits: a diagram that scrolls anyway keeps its arrows.
    guard let last = levels.last, fits(last), let first = levels.first(where: fits) else { return whole }
    return laidOut(world, fit: Fit.relaxed(first, lanes: widest, fits: fits), lanes: unlimited)
  }

  /// The diagram with `fit`, laid out in full (what ``init(_:options:)`` does without a
  /// ``Options/maxWidth``, and with the fit it picks).
  init(_ world: World, options: Options, fit: Fit) {
    self = Self(rows: world, options: options).laidOut(world, fit: fit)
  }

  /// The rows, which depend on no fit: locks and walk, process boxes with their VMA labels,
  /// anon_vma boxes (their `list` and `pages` lines uncut), stable nodes.
  init(rows world: World, options: Options) {
    ascii = options.ascii
    self.options = options
    fit = Fit(lanes: options.maxLanes)
    let locks = Self.locks(options.lockMoment ?? world, shownIn: world)
    lockedVMAs = locks.vmas
    walk = Self.walk(world)
    walker = world.cpus.count > 1 ? Self.walker(world, walk) : nil
    dangling = Self.danglingMappings(world)
    violationMarks = Self.violationMarks(world)
    stackProcesses(world, previous: options.previous)
    stackAnonVMAs(world, previous: options.previous, locks: locks)
    labelVMAs(world)
  }

  /// These rows with the columns `fit` gives, and the arrows routed; only the columns (and the
  /// width) when `measuring`, or when a plan is being measured (``Plan/columns(_:samples:fit:)``).
  /// `unlimited`: these rows' lanes without a limit (``greedyLanes(_:maxLanes:)``), when known.
  func laidOut(_ world: World, fit: Fit, measuring: Bool = false, lanes unlimited: [Bus]? = nil) -> ForestDiagram {
    var d = self
    d.fit = fit
    d.cutLines(world)
    let measured = plan.map { $0.processRight != nil } ?? false
    let maxLanes = measured ? min(fit.lanes, plan?.lanes ?? 0) : fit.lanes
    let lanes =
      unlimited.map { Self.assignLanes(unlimited: $0, maxLanes: maxLanes) } ?? d.assignLanes(world, maxLanes: maxLanes)
    d.placeColumns(world, lanes: lanes)
    if measuring || (plan != nil && !measured) {
      // The widths only: the 6.x parent lanes' too, and the labels kept.
      d.routeParentPointers(world)
      d.neededTail = d.width - d.trunkEnd
      if measuring { d.keepLabelsThatFit(maxWidth: options.maxWidth) }
      return d
    }
    d.outlineLocks(world)
    d.routeAnonVMAPointers(world, lanes: lanes)
    // Parent arrows first: the root trunk, drawn later, passes over them.
    d.routeParentPointers(world)
    d.routeRootPointers(world)
    if let selection = options.selection {
      d.related = Self.related(to: selection, in: world)
      d.listPlaces = Self.listPlaces(of: selection, in: world)
    }
    d.routeChain(world)
    d.neededTail = d.width - d.trunkEnd
    d.keepLabelsThatFit(maxWidth: options.maxWidth)
    d.placeWalkLabel()
    d.placeStableNodesBeside(world)
    return d
  }

  // MARK: Locks

  /// What the held anon_vma locks cover: for each locked anon_vma, the anon_vmas whose
  /// `anon_vma_lock()` takes that lock (`World.lockTarget(of:)`: the whole forest under a root
  /// lock, the anon_vma alone in 2.6.34), the VMAs on their lists, and a title naming holders
  /// and waiters of each lock no outline is drawn for (one only waited for, or covering no
  /// anon_vma shown). The locks are `w`'s; only objects `shown` has are marked.
  static func locks(_ w: World, shownIn shown: World) -> (
    anonVMAs: Set<AnonVMAID>, vmas: Set<VMAID>, titles: [AnonVMAID: String]
  ) {
    var covered = Set<AnonVMAID>()
    var vmas = Set<VMAID>()
    var titles: [AnonVMAID: String] = [:]
    let locked = w.lockHolders.keys
    guard !locked.isEmpty || w.cpus.contains(where: { $0.waitingFor != nil }) else { return ([], [], [:]) }
    for a in w.aliveAnonVMAs where locked.contains(w.lockTarget(of: a)) && shown.anonVMA(a)?.alive == true {
      covered.insert(a)
      for v in w.listVMAs(a) where shown.vmas[v] != nil { vmas.insert(v) }
    }
    // A held lock whose outline is drawn (around the covered boxes) names its holders and
    // waiters on the outline: no label beside the box says it again.
    let outlined = Set(covered.map { w.lockTarget(of: $0) })
    // A freed anon_vma is shown with no lock: its lock (held at `w`'s moment, freed by `shown`)
    // is named only in the step's list of locks.
    for lock in Set(locked + w.cpus.compactMap(\.waitingFor))
    where !outlined.contains(lock) && shown.anonVMA(lock)?.alive == true {
      var parts: [String] = []
      for h in w.lockHolders[lock] ?? [] {
        let mode = h.mode == .exclusive ? "" : " \(h.mode.rawValue)"
        parts.append("cpu\(h.cpu)\(mode)" + (h.op.map { " (\($0))" } ?? ""))
      }
      let waiting = w.cpus.filter { $0.waitingFor == lock }.map(\.waiterName)
      var title = parts.isEmpty ? "" : "locked by " + parts.joined(separator: ", ")
      if !waiting.isEmpty { title += (title.isEmpty ? "" : "; ") + "waiting " + waiting.joined(separator: " ") }
      titles[lock] = title
    }
    return (covered, vmas, titles)
  }

  /// The walk to draw: one a CPU is in the middle of, else the one that finished in this step
  /// (in later steps the page may have moved and what it visited be gone).
  static func walk(_ w: World) -> RmapWalk? {
    if let running = w.cpus.lazy.compactMap(\.walkInProgress).first { return running }
    if let done = w.lastWalk, done.step == w.step { return done }
    return nil
  }

  /// The name of the CPU whose walk ``walk(_:)`` is: the one in the middle of it, or the one
  /// whose registers keep it (`regs.walk` stays after `finishWalk`, until the next walk begins).
  static func walker(_ w: World, _ walk: RmapWalk?) -> String? {
    guard let walk else { return nil }
    // `finishWalk` stamps the step on the world's copy (`lastWalk`), not on the registers'.
    func same(_ kept: RmapWalk?) -> Bool {
      kept.map { $0.page == walk.page && $0.origin == walk.origin && $0.visited == walk.visited } ?? false
    }
    let cpu = w.cpus.first { same($0.walkInProgress) } ?? w.cpus.first { same($0.regs.walk) }
    return cpu?.name
  }

  /// What the walk did at a VMA: `rmap #N` in visit order, then what it found there
  /// (``RmapWalk/found``, the narrated event's match): `✓maps`, `✓unmapped`, `✓remapped` where
  /// the PTE held the page, `no pte` where it did not; or `rmap skipped`.
  func walkNote(_ name: String) -> String? {
    guard let walk else { return nil }
    if let i = walk.visited.firstIndex(of: name) {
      guard let found = walk.found[name] else { return "rmap #\(i + 1)" }
      return "rmap #\(i + 1) " + (found == "no pte" ? found : "✓" + found)
    }
    if walk.skipped.contains(name) { return "rmap skipped" }
    return nil
  }

  /// A walk note's shorter forms, longest first, for a row with no room for the whole note
  /// (``walkNote(_:)``): `rmap #2 ✓unmapped` → `#2 ✓unmapped`, `#2 ✓`, `#2`; `rmap #2 no pte` →
  /// `#2 no pte`, `#2`; `rmap skipped` → `skipped`.
  static func shorterWalkNotes(_ note: String) -> [String] {
    guard note.hasPrefix("rmap ") else { return [] }
    let rest = String(note.dropFirst(5))
    guard rest.hasPrefix("#") else { return [rest] }
    let parts = rest.split(separator: " ", maxSplits: 1).map(String.init)
    guard parts.count == 2, let number = parts.first else { return [rest] }
    return parts[1].hasPrefix("✓") ? [rest, number + " ✓", number] : [rest, number]
  }
}
