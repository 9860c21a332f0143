import AnonVMASim
import ScenePlayer
import Synchronization
import TermRender

/// The diagram view's own state: the selected object, whether it is pinned, where the pane is
/// scrolled, and whether the legend is shown.
public struct DiagramViewState: Sendable, Hashable {
  /// The selected object (↓/↑, `/`), highlighted with what it points to and what points to it.
  public var selection: ForestDiagram.Object?
  /// A pinned selection stays across steps until released (`P`); an unpinned one belongs to the
  /// step it was made in and is dropped when the step changes.
  public var pinned = false
  /// The first diagram row and column the pane shows; each frame moves them as little as keeps
  /// the selection in view (``DiagramLayout/window(start:extent:size:keep:)``).
  public var top = 0
  public var left = 0
  /// A step was entered and the next frame scrolls the window, as little as needed, to what the
  /// step changed (``AppState/revealStepChanges(width:height:)``); the keys and the wheel scroll
  /// freely after it.
  var revealChanges = false
  /// The step's window (`[top, left]`) when its micro-steps were entered: leaving them puts it
  /// back, so the whole step is seen as it was before the micro-steps scrolled to their objects.
  var stepWindow: [Int]?
  /// The pane's inner size in the last frame drawn (``AppState/syncDiagramView(width:height:)``),
  /// for paging and for choosing the folded diagram; nil before the first frame.
  public var paneRows: Int?
  public var paneColumns: Int?
  /// The rows a diagram plan may fill at this terminal size (``AppState/diagramPlanRows(in:)``):
  /// the same at every step, so one plan's spacing serves the whole timeline.
  public var planRows: Int?
  /// The frame size, step count and presenter mode `planRows` was worked out for.
  var planRowsKey: [Int] = []
  /// The legend over the pane (`L`).
  public var legend = false
  /// Rows of the legend scrolled above its top (↓/↑, PgDn/PgUp while it is open).
  public var legendScroll = 0
  /// The step the selection was made in (an unpinned selection is dropped when it changes).
  var step = 0
  /// The pinned object's name when it was pinned: a VMA gone in a later step has no name there.
  var pinnedName: String?
}

/// The forest diagram of the world on screen and the locks of its step: computed by the reducer
/// (``AppState/refreshDiagram()``) when its inputs change, never per frame; the view draws a
/// window of it.
struct DiagramLayout: Sendable {
  /// The inputs a diagram was computed from.
  struct Key: Hashable {
    var layout: Layout.Key
    var selection: ForestDiagram.Object?
    var ascii: Bool
    /// The canvas width the diagram fits in (nil before the pane's size is known).
    var width: Int? = nil
    /// The rows its plan may fill (``DiagramViewState/planRows``).
    var rows: Int? = nil
  }

  let key: Key
  /// The whole diagram (laid out when first asked for: a pane showing the folded one never
  /// needs its columns).
  var whole: ForestDiagram { wholeDiagram.diagram }
  /// Whether the whole diagram draws `object`, asked of the world while it is not laid out.
  func wholeDraws(_ object: ForestDiagram.Object) -> Bool { wholeDiagram.draws(object) }
  /// The diagram with identical sibling subtrees folded (`×N`), when folding is on and something
  /// folds; the view shows it when the whole one is taller than the pane.
  var folded: ForestDiagram? { foldedDiagram?.diagram }
  /// The whole diagram's height (its rows), known without its columns.
  let wholeHeight: Int
  private let wholeDiagram: LazyDiagram
  private let foldedDiagram: LazyDiagram?
  /// The anon_vma locks the step took (nil at step 0): listed on screen, and its featured
  /// micro-step is the moment whose locks a whole step's picture shows.
  let locks: StepLocks?
  /// Inside a micro-step, the locks held and waited for at it (``heldLocks(_:)``); nil at a
  /// whole step.
  let heldNow: [String]?
  /// At a whole step: whether the picture draws the featured hold's outline (false when the
  /// anon_vmas it covers are freed by the end of the step, and none is drawn).
  let featuredDrawn: Bool
  /// At a whole step: the locks held at the featured moment (``heldLocks(_:)``), named when the
  /// step took none (held from an earlier step).
  let featuredHeld: [String]
  /// At a whole step holding a lock: `micro-step N` or `the step's end`, whose locks are drawn.
  let featuredMoment: String?
  /// The anon_vmas whose locks are held at that moment, in id order (named in ``lockNote``).
  let featuredLocks: [AnonVMAID]
  /// What it marks as differing from the other model (a comparison's whole steps).
  let emphasized: Set<ForestDiagram.Object>
  /// The plan the whole diagram follows.
  let plan: ForestDiagram.Plan?

  /// Lays out the diagram of `layout`'s world; `locks` are the step's when already known; `plan`
  /// keeps every object where it stood in the steps before (``ForestDiagram/Plan``); `emphasized`
  /// marks what differs from the other model in a comparison.
  init(
    key: Key, layout: Layout, locks known: StepLocks?, plan: ForestDiagram.Plan?,
    emphasized: Set<ForestDiagram.Object> = []
  ) {
    self.key = key
    self.emphasized = emphasized
    self.plan = plan
    let m = layout.microSteps.flatMap { $0.step == key.layout.step ? $0 : nil }
    let locks = known ?? layout.stepLocks ?? StepLocks(m?.states ?? [], start: layout.stepStart, end: layout.world)
    self.locks = locks
    // A whole step is drawn with the locks of its most telling moment; a micro-step with its own.
    let lockMoment = key.layout.micro == nil ? layout.featured(locks)?.world : nil
    heldNow = key.layout.micro == nil ? nil : Self.heldLocks(layout.world)
    // The moment a whole step's outline shows: the featured one, else the step's end (a lock
    // held through the step).
    let moment = lockMoment ?? layout.world
    let holding = key.layout.micro == nil && !moment.lockHolders.keys.isEmpty
    featuredHeld = holding ? Self.heldLocks(moment) : []
    featuredMoment = holding ? lockMoment.map { _ in "micro-step \(locks.featured ?? 0)" } ?? "the step's end" : nil
    featuredLocks = holding ? moment.lockHolders.keys.sorted() : []
    featuredDrawn = holding && !ForestDiagram.locks(moment, shownIn: layout.world).anonVMAs.isEmpty
    var options = ForestDiagram.Options(
      ascii: key.ascii, previous: layout.previous, lockMoment: lockMoment, fold: key.layout.folding,
      selection: key.selection, emphasized: emphasized)
    options.plan = plan
    options.maxWidth = key.width
    // Only the rows now: each diagram's columns and arrows are laid out when it is first shown
    // (a step of a large forest shows the folded one only).
    let first = ForestDiagram(rows: layout.world, options: options)
    if key.layout.folding && (!first.processFolds.isEmpty || plan != nil) {
      // A folded layout follows no plan: with a plan the whole diagram is laid out again
      // unfolded, following it (also when nothing folds), so an object keeps its frame cell.
      // Its rows are made when it is first shown: a forest taller than the pane shows the
      // folded one, and the whole one's height is counted from the world.
      options.fold = false
      foldedDiagram = first.processFolds.isEmpty ? nil : LazyDiagram(rows: first, world: layout.world)
      wholeHeight = ForestDiagram.unfoldedHeight(layout.world, options: options)
      wholeDiagram = LazyDiagram(options: options, world: layout.world)
    } else {
      foldedDiagram = nil
      wholeHeight = first.height
      wholeDiagram = LazyDiagram(rows: first, world: layout.world)
    }
  }

  /// `diagrams` with `selection` selected instead (`key` differs from theirs in the selection
  /// only): nothing laid out again (``ForestDiagram/selecting(_:in:)``).
  init(_ diagrams: DiagramLayout, key: Key, world: World) {
    self.key = key
    emphasized = diagrams.emphasized
    plan = diagrams.plan
    locks = diagrams.locks
    heldNow = diagrams.heldNow
    featuredDrawn = diagrams.featuredDrawn
    featuredHeld = diagrams.featuredHeld
    featuredMoment = diagrams.featuredMoment
    featuredLocks = diagrams.featuredLocks
    wholeHeight = diagrams.wholeHeight
    wholeDiagram = diagrams.wholeDiagram.selecting(key.selection, in: world)
    foldedDiagram = diagrams.foldedDiagram?.selecting(key.selection, in: world)
  }

  /// The most VMAs a diagram is laid out for: beyond them a step's layout (and its locks) costs
  /// more than the frame budget, and the matrix, which folds and scrolls, is drawn instead.
  static let maxVMAs = 400
  /// The most live anon_vmas, and anon_vma_chains, a diagram is laid out for: a daemon chain
  /// (W2) has two VMAs and an anon_vma (and a chain link of its one VMA) per generation, whose
  /// boxes and lanes cost a step's layout as much as ``maxVMAs`` VMAs do (`anonvis-bench --only
  /// keys`: stepping W2).
  static let maxAnonVMAs = 400
  static let maxAVCs = 800

  /// What the world is too large for the diagram by (``maxVMAs``, ``maxAVCs``, ``maxAnonVMAs``),
  /// written as the bound (`400 VMAs`); nil when the diagram is drawn.
  static func excess(_ w: World) -> String? {
    if w.vmas.count > maxVMAs { return "\(maxVMAs) VMAs" }
    if w.avcCount > maxAVCs { return "\(maxAVCs) anon_vma_chains" }
    // Freed anon_vmas stay in the array: only a longer one needs counting, up to the bound.
    if w.anonVMAs.count > maxAnonVMAs {
      var live = 0
      for i in w.anonVMAs.indices where w.anonVMAs[i].alive {
        live += 1
        if live > maxAnonVMAs { return "\(maxAnonVMAs) anon_vmas" }
      }
    }
    return nil
  }

  /// Whether the world on screen is small enough for the diagram (``excess(_:)``, worked out
  /// once per layout).
  static func drawable(_ layout: Layout) -> Bool { layout.diagramExcess == nil }

  /// The kernel functions that take an anon_vma lock, as the model names them
  /// (`World.lockFunction(_:)`: 2.6.34, 2.6.36, 6.x; and drop_anon_vma()'s
  /// `atomic_dec_and_lock`, `World.decAndLockTarget(cpu:next:)`).
  static let lockFunctions: Set<String> = [
    "spin_lock(&anon_vma->lock)", "anon_vma_lock", "anon_vma_lock_read", "anon_vma_lock_write",
    "atomic_dec_and_lock",
  ]

  /// Whether a whole step may have taken, held or waited for an anon_vma lock: it called a lock
  /// function, or a lock was held or waited for before or after it. Only then are its micro-steps
  /// replayed for ``StepLocks`` (a replay of a large fork costs more than its frame).
  static func mayLock(_ layout: Layout) -> Bool {
    func busy(_ w: World) -> Bool { !w.lockHolders.keys.isEmpty || w.cpus.contains { $0.waitingFor != nil } }
    return layout.functions.contains { lockFunctions.contains($0) } || busy(layout.world)
      || layout.previous.map(busy) ?? false
  }

  /// Whether the diagrams are what they would be if fitted to `width`: made for it, or
  /// following a plan that serves it and `rows` (``ForestDiagram/Plan/serves(_:rows:)``) and,
  /// when folded (no plan), no wider.
  func fit(_ width: Int, rows: Int?) -> Bool {
    guard key.width != width || key.rows != rows else { return true }
    let plan = plan?.serves(width, rows: rows) ?? (whole.width <= width)
    return plan && (folded?.width ?? 0) <= width
  }

  /// The diagram a pane of `rows` shows: the folded one when the whole one is taller and the
  /// selection is not hidden in a fold.
  func shown(rows: Int, selection: ForestDiagram.Object?) -> ForestDiagram {
    guard let folded = foldedDiagram?.diagram, wholeHeight > rows else { return whole }
    if let selection, folded.rect(of: selection) == nil { return whole }
    return folded
  }

  /// The first row (or column) of a window of `size` over `extent`, starting as near `start` as
  /// keeps `keep` (the selection's rows or columns) in it: scrolled as little as needed.
  static func window(start: Int, extent: Int, size: Int, keep: Range<Int>?) -> Int {
    var s = max(0, min(start, extent - size))
    if let keep {
      if keep.lowerBound < s {
        s = keep.lowerBound
      } else if keep.upperBound > s + size {
        s = min(keep.lowerBound, keep.upperBound - size)
      }
    }
    return max(0, s)
  }
}

extension AppState {
  /// The inputs of the diagram now.
  var diagramKey: DiagramLayout.Key {
    DiagramLayout.Key(
      layout: layoutKey, selection: diagramView.selection, ascii: options.ascii,
      width: diagramView.paneColumns.map(DiagramPane.canvasWidth(inner:)), rows: diagramView.planRows)
  }

  /// Whether the diagram view's layouts were computed for the state as it is.
  var diagramsCurrent: Bool {
    guard forestView == .diagram else { return true }
    return (layout.diagram?.key == diagramKey || !DiagramLayout.drawable(layout))
      && (compareLayout.map {
        ($0.diagram?.key.layout == $0.key && $0.diagram?.key.selection == diagramView.selection)
          || !DiagramLayout.drawable($0)
      } ?? true)
  }

  /// Recomputes the diagrams whose inputs changed (in diagram view), after the layouts: the
  /// step's micro-states are loaded for its locks; an unpinned selection is dropped when the step
  /// changes, and said to be (a lecturer who found AV3 with `/` and stepped saw it go without a
  /// word), a pinned one kept (and said to be gone when it is).
  mutating func refreshDiagram() {
    guard forestView == .diagram else { return }
    if diagramView.step != step {
      diagramView.step = step
      if !diagramView.pinned, let dropped = diagramView.selection {
        diagramView.selection = nil
        if message == nil {
          message = "\(name(of: dropped, layout.world)) deselected: a selection belongs to its step (P pins it)"
        }
      }
    }
    let key = diagramKey
    let drawable = DiagramLayout.drawable(layout)
    // The plan is made when a diagram is first drawn (a large timeline's costs a second or so).
    // Two models compared are planned together: their processes on the same rows.
    var planned = false
    if drawable, let other = compareTimeline, let lower = compareLayout, DiagramLayout.drawable(lower) {
      if diagramPlan?.serves(timeline, width: key.width, rows: key.rows, pairedWith: other) != true
        || compareDiagramPlan?.serves(other, width: key.width, rows: key.rows, pairedWith: timeline) != true
      {
        (diagramPlan, compareDiagramPlan) = PlannedTimeline.aligned(timeline, other, width: key.width, rows: key.rows)
        planned = true
      }
    } else {
      if drawable, diagramPlan?.serves(timeline, width: key.width, rows: key.rows) != true {
        // An explore session keeps the worlds its plans read: the next typed step replays only itself.
        if explore && timeline.stepCount <= PlannedTimeline.maxSteps {
          planWorlds = PlanWorlds(timeline, reusing: planWorlds)
        } else {
          planWorlds = nil
        }
        diagramPlan = PlannedTimeline(timeline, width: key.width, rows: key.rows, worlds: planWorlds)
        planned = true
      }
      if let other = compareTimeline, let lower = compareLayout, DiagramLayout.drawable(lower),
        compareDiagramPlan?.serves(other, width: key.width, rows: key.rows) != true
      {
        compareDiagramPlan = PlannedTimeline(other, width: key.width, rows: key.rows)
        planned = true
      }
    }
    // What differs from the other model, at whole steps (Views/Frame.swift marks the same in the
    // matrix view; inside a micro-step the frame passes the paired micro-steps' diff to the pane).
    var emphasized: Set<ForestDiagram.Object> = []
    var otherEmphasized: Set<ForestDiagram.Object> = []
    if micro == nil, let lower = compareLayout, let diffs = currentCompareView?.diffs {
      emphasized = diffs.this.objects(in: layout.world)
      otherEmphasized = diffs.other.objects(in: lower.world)
    }
    // Only the selection moved: the rows, columns and arrows stay (and no micro-step is replayed).
    var reselected = key
    reselected.selection = layout.diagram?.key.selection
    if !planned, drawable, let diagrams = layout.diagram, diagrams.key != key, diagrams.key == reselected,
      diagrams.emphasized == emphasized
    {
      layout.diagram = DiagramLayout(diagrams, key: key, world: layout.world)
    } else if drawable, planned || layout.diagram?.key != key || layout.diagram?.emphasized != emphasized {
      // A micro-step needs its step's micro-states; a whole step only its locks.
      if step > 0 && micro != nil { _ = loadMicroSteps() } else { layout.loadStepLocks(timeline) }
      let known = layout.diagram.flatMap { $0.key.layout.step == step ? $0.locks : nil }
      let stepChanged = layout.diagram?.key.layout.step != step
      layout.diagram = DiagramLayout(
        key: key, layout: layout, locks: known, plan: diagramPlan?.plan ?? nil, emphasized: emphasized)
      if stepChanged, diagramView.pinned, let pin = diagramView.selection, layout.diagram?.wholeDraws(pin) == false {
        message = "pinned \(name(of: pin, layout.world)) is not in this step (P releases the pin)"
      }
    }
    // The other model's half selects the same object (the same id: the comparison's convention,
    // `CompareDiff`) where its world has it, so the selection is marked, and kept in view, in both.
    if var other = compareLayout, let timeline = compareTimeline, DiagramLayout.drawable(other) {
      let otherKey = DiagramLayout.Key(
        layout: other.key, selection: diagramView.selection, ascii: options.ascii, width: key.width, rows: key.rows)
      var reselected = otherKey
      reselected.selection = other.diagram?.key.selection
      if !planned, let diagrams = other.diagram, diagrams.key != otherKey, diagrams.key == reselected,
        diagrams.emphasized == otherEmphasized
      {
        other.diagram = DiagramLayout(diagrams, key: otherKey, world: other.world)
        compareLayout = other
      } else if planned || other.diagram?.key != otherKey || other.diagram?.emphasized != otherEmphasized {
        let k = other.key
        if k.step > 0 && k.micro != nil {
          other.microSteps = Layout.MicroSteps(step: k.step, states: timeline.replay.microStates(step: k.step))
        } else {
          other.loadStepLocks(timeline)
        }
        other.diagram = DiagramLayout(
          key: otherKey, layout: other, locks: nil, plan: compareDiagramPlan?.plan ?? nil, emphasized: otherEmphasized)
        compareLayout = other
      }
    }
  }

  /// An object's name as the diagram writes it.
  func name(of object: ForestDiagram.Object, _ w: World) -> String {
    switch object {
    case .process(let p), .fold(let p): return w.isAllocated(p) ? w[process: p].name : "P?"
    case .vma(let v):
      // A pinned VMA gone in this step (its process exited) keeps the name it was pinned by.
      if w.vmas[v] == nil, diagramView.pinned, diagramView.selection == object, let pinned = diagramView.pinnedName {
        return pinned
      }
      // Freed in this step (drawn once), or only in the comparison model's world: its name there.
      for other in [layout.previous, compareLayout?.world] {
        if w.vmas[v] == nil, let other, other.vmas[v] != nil { return other.vmaName(v) }
      }
      return w.vmaName(v)
    case .anonVMA(let a): return World.avName(a)
    case .page(let page): return World.pageName(page)
    case .stableNode(let k): return "K\(k.raw)"
    }
  }
}

/// A timeline's diagram plan (``ForestDiagram/Plan``: each object's place for its lifetime),
/// computed once per timeline and canvas width (the plan fits the diagrams to it): again only
/// when the timeline changes (explore mode, a what-if branch, another model) or the pane's width.
/// Only timelines of up to ``maxSteps`` steps are planned: a plan reads every world of the
/// timeline, and W1's 5,000 replayed worlds cost 650 MB more at the peak (anonvis-bench --only
/// keys); a larger timeline's diagram is laid out per world (objects in id order in their group:
/// stable while nothing before them grows).
struct PlannedTimeline: Sendable {
  struct Key: Hashable {
    var stepCount: Int
    var kernel: KernelVersion
    var variants: [Variant]
    var width: Int?
    var rows: Int?
    /// The other model's timeline (step count, kernel, variants) when planned alongside it in a
    /// comparison (``aligned(_:_:width:rows:)``).
    var pairedWith: [String]?
    init(_ t: Timeline, width: Int?, rows: Int?, pairedWith other: Timeline? = nil) {
      stepCount = t.stepCount
      kernel = t.kernel
      variants = t.variants
      self.width = width
      self.rows = rows
      pairedWith = other.map { [String($0.stepCount), $0.kernel.rawValue] + $0.variants.map(\.rawValue) }
    }
  }
  let key: Key
  let plan: ForestDiagram.Plan?
  static let maxSteps = 500

  /// The plan of `timeline`; over `worlds` when given (the timeline's, kept by an explore
  /// session: ``PlanWorlds``), the same plan without replaying its steps.
  init(_ timeline: Timeline, width: Int?, rows: Int?, worlds: PlanWorlds? = nil) {
    key = Key(timeline, width: width, rows: rows)
    if timeline.stepCount > Self.maxSteps {
      plan = nil
    } else if let worlds {
      plan = ForestDiagram.Plan(worlds.worlds, times: worlds.times, maxWidth: width, maxRows: rows)
    } else {
      plan = ForestDiagram.Plan(timeline, maxWidth: width, maxRows: rows)
    }
  }

  private init(key: Key, plan: ForestDiagram.Plan?) {
    self.key = key
    self.plan = plan
  }

  /// The plans of two models' timelines of one scene compared side by side: planned together
  /// (``ForestDiagram/Plan/aligned(_:_:maxWidth:maxRows:)``: a process on the same rows in both
  /// halves) when both are planned at all.
  static func aligned(_ a: Timeline, _ b: Timeline, width: Int?, rows: Int?) -> (Self, Self) {
    let keys = (Key(a, width: width, rows: rows, pairedWith: b), Key(b, width: width, rows: rows, pairedWith: a))
    guard a.stepCount <= maxSteps, b.stepCount <= maxSteps else {
      return (
        Self(key: keys.0, plan: Self(a, width: width, rows: rows).plan),
        Self(key: keys.1, plan: Self(b, width: width, rows: rows).plan)
      )
    }
    let plans = ForestDiagram.Plan.aligned(a, b, maxWidth: width, maxRows: rows)
    return (Self(key: keys.0, plan: plans.0), Self(key: keys.1, plan: plans.1))
  }

  /// Whether this plan is the one for `timeline` at `width` (planned alongside `pairedWith`, in
  /// a comparison): made for them, or for the timeline at any width whose diagrams fit in
  /// `width` unnarrowed (a plan is not made again for a width that would change nothing).
  func serves(_ timeline: Timeline, width: Int?, rows: Int?, pairedWith other: Timeline? = nil) -> Bool {
    guard key == Key(timeline, width: key.width, rows: key.rows, pairedWith: other) else { return false }
    return plan?.serves(width, rows: rows) ?? (key.width == width)
  }
}

/// A diagram's rows (made when first asked for, unless given), laid out
/// (``ForestDiagram/completed(_:)``) when first asked for, once; shared by the copies of its
/// ``DiagramLayout``.
final class LazyDiagram: Sendable {
  private let options: ForestDiagram.Options
  private let rows: ForestDiagram?
  private let world: World
  private let done: Mutex<ForestDiagram?>

  init(rows: ForestDiagram, world: World, done: ForestDiagram? = nil) {
    options = rows.options
    self.rows = rows
    self.world = world
    self.done = Mutex(done)
  }

  /// The diagram of `world` with `options`, its rows not made yet.
  init(options: ForestDiagram.Options, world: World, done: ForestDiagram? = nil) {
    self.options = options
    rows = nil
    self.world = world
    self.done = Mutex(done)
  }

  var diagram: ForestDiagram {
    done.withLock { done in
      if let done { return done }
      let d = (rows ?? ForestDiagram(rows: world, options: options)).completed(world)
      done = d
      return d
    }
  }

  /// Whether the diagram draws `object` (its ``ForestDiagram/rect(of:)`` is not nil), asked of
  /// the world when it is not laid out (``ForestDiagram/unfoldedDraws(_:_:options:)``: the
  /// whole diagram is unfolded; a page or stable node lays it out).
  func draws(_ object: ForestDiagram.Object) -> Bool {
    if let d = done.withLock({ $0 }) { return d.rect(of: object) != nil }
    if let rows { return rows.rect(of: object) != nil }
    return ForestDiagram.unfoldedDraws(object, world, options: options) ?? (diagram.rect(of: object) != nil)
  }

  /// The same rows with `selection` selected: laid out already when these are.
  func selecting(_ selection: ForestDiagram.Object?, in world: World) -> LazyDiagram {
    let laidOut = done.withLock { $0 }?.selecting(selection, in: world)
    guard var rows else {
      var options = options
      options.selection = selection
      return LazyDiagram(options: options, world: self.world, done: laidOut)
    }
    rows.options.selection = selection
    return LazyDiagram(rows: rows, world: self.world, done: laidOut)
  }
}

extension ForestDiagram {
  /// What `w` is too large for the diagram by (`400 VMAs`), nil when the app draws it as a
  /// diagram (``DiagramLayout/excess(_:)``): the bench measures the largest step that is.
  public static func excess(_ w: World) -> String? { DiagramLayout.excess(w) }
}
