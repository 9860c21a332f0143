import AnonVMASim
import Conformance
import ScenePlayer
import SceneScript
import TermRender

/// What the app loop feeds the reducer.
public enum AppAction: Sendable, Hashable {
  case key(Key)
  /// Time passed (for `p` auto-play), in seconds.
  case tick(Double)
  /// Show micro-step N (0-based) of the step on screen, or the whole step (nil or out of range).
  case selectMicro(Int?)
  /// A click or a turn of the wheel, on a screen of this size.
  case mouse(MouseEvent, width: Int, height: Int)
}

/// What the runtime must do after a reduction. Effects are data; only the runtime runs them.
public enum Effect: Sendable, Hashable {
  case quit
  /// Write the explore session as a scene file.
  case save(path: String, text: String)
  /// A new step exists (recorders put a marker).
  case stepChanged(Int)
}

/// The panes that take the keyboard focus.
public enum Pane: Int, Sendable, Hashable, CaseIterable {
  /// The step and micro-step narration: arrows step into and out of micro-steps.
  case steps
  /// Processes and VMAs: arrows move the selection.
  case vmas
  /// The anon_vma forest: arrows move the selection.
  case forest
}

/// How the forest pane draws the forest (`v` cycles them, `--view` picks one).
public enum ForestView: String, Sendable, Hashable, CaseIterable {
  /// Boxes and arrows (`ForestDiagram`): the default wherever it fits (`AppState.diagramFits`).
  case diagram
  /// A row per VMA, a column per anon_vma, beside the VMA pane.
  case matrix
  /// Each anon_vma under its parent, beside the VMA pane.
  case tree

  /// The view `v` switches to.
  public var next: ForestView { self == .diagram ? .matrix : self == .matrix ? .tree : .diagram }
}

/// An overlay drawn over the panes.
public enum Overlay: Sendable, Hashable {
  case help
  case inspector
}

/// A prompt on the status line.
public enum Prompt: Sendable, Hashable {
  case jump(String)
  case command(String)
  case find(String)
  /// `:` in play: an operation to run in a what-if branch from the step on screen.
  case whatIf(String)
}

/// How frames are drawn.
public struct RenderOptions: Sendable, Hashable {
  public var ascii: Bool
  public var colors: Bool
  /// Frames no key reaches (`export`'s pages, images and cast; `record`): the status line
  /// shows no key hints and the panes name no keys (`esc leave`, `j enters`, `PgDn`), which
  /// would do nothing there. What the hints stood beside (`↓ 4 more`) stays.
  public var still: Bool

  public init(ascii: Bool = false, colors: Bool = true, still: Bool = false) {
    self.ascii = ascii
    self.colors = colors
    self.still = still
  }
}

/// The whole state of the interactive app: the timeline and where the user is in it.
public struct AppState: Sendable {
  public internal(set) var timeline: Timeline
  public var fileName: String
  public internal(set) var step: Int = 0
  /// Index of the micro-step shown inside `step`, or nil for the whole step.
  public internal(set) var micro: Int?
  public var focus: Pane = .steps
  /// The pane the focus was on before a `/` find moved it to what it found: esc puts it back
  /// (the status hints say `esc back`). Any other move of the focus (tab, a click) drops it.
  public internal(set) var findReturn: Pane?
  public var selection: [Pane: Int] = [:]
  public var overlay: Overlay?
  /// How far the `?` help is scrolled (↓/↑ while it is open, where it does not fit).
  public internal(set) var helpScroll = 0
  public var prompt: Prompt?
  public var presenter = false
  /// How the forest is drawn.
  public var forestView: ForestView = .diagram
  /// The diagram view's selection, pin, scroll and legend.
  public var diagramView = DiagramViewState()
  /// Identical sibling subtrees shown as one row ×N (`z` toggles).
  public internal(set) var folding = true
  public var playing = false
  public var playClock: Double = 0
  /// Seconds per step when playing (`+`/`-`).
  public var pace: Double = 1.5
  /// A chapter's title card before its first step (`--cards`).
  public var cards = false
  /// The step whose chapter's title card is up, if one is.
  public internal(set) var card: Int?
  /// Whether play pauses at the last step of each chapter (`--pause-chapters`).
  public var pauseAtChapters = false
  /// Whether → and play stop before a step to put its `ask` lines to the audience (`present`,
  /// `play --ask`).
  public var askQuestions = false
  /// The questions (`ask`) on screen before a step, if any, and whether their answers are shown.
  public internal(set) var asking: Asking?
  /// Steps whose questions were answered in this session: stepping into them again asks nothing.
  var answered: Set<Int> = []
  /// Explore mode: an empty world and a `:` prompt that runs operations.
  public var explore = false
  /// Scene lines typed in explore mode (saved by `:w`).
  public var exploreLines: [String] = []
  /// The step a what-if branch (`:` in play) started from: the session is an explore session since.
  public internal(set) var branchedAt: Int?
  /// Whole steps to undo and redo (`u`, ctrl-r, `:undo`, `:redo`).
  var history = UndoHistory()
  /// A line that was warned about (it would block or deadlock a CPU): Enter on it again runs it.
  var warnedLine: String?
  /// The narration pane's scroll (PgDn/PgUp in the steps pane).
  var narrationScroll = NarrationScroll()
  /// The size of the last frame drawn: PgDn and PgUp page by its narration pane's rows.
  var lastFrameSize: FrameSize?
  /// A message shown in place, with its kind (`message` is its text): what a key did, a
  /// warning, an error of a `:` command or a jump.
  public var notice: Notice?
  /// A frame's own notice, drawn after the step's text (``NarrationPane/lateMessage``).
  var lateNotice: Notice?
  public var options: RenderOptions
  /// The real kernel's verdict and facts per step (`play --conform`).
  public var kernelRecord: KernelRecord?
  /// The parsed scene, so it can run on another kernel model side by side (`c`, `--compare`).
  public var scene: Scene?
  /// The same scene on a second model, stepped in lockstep (`setCompare`).
  public internal(set) var compareTimeline: Timeline?
  /// What the view derives from the world on screen, computed by the reducer (`refreshLayout`).
  public internal(set) var layout: Layout
  /// The comparison model's layout, computed with `layout`.
  var compareLayout: Layout?
  /// Inside a micro-step of a comparison: the other model's micro-step beside each of this
  /// step's (``MicroAlignment``), computed with the layouts.
  var compareMicros: MicroAlignment?
  /// What a comparison shows beside the two worlds, worked out with the layouts
  /// (`refreshCompareView`).
  var compareView: CompareView?
  /// A comparison half's narration in place of the scene's text (`compareAccount`).
  var account: NarrationPane.Account?
  /// Whether the last frame drew the diagram (`syncLegend`): in a pane too small for it the
  /// matrix is drawn, and the legend is not open there.
  var diagramDrawn = true
  /// The diagram plans of the timeline and of the comparison's (diagram view).
  var diagramPlan: PlannedTimeline?
  var compareDiagramPlan: PlannedTimeline?
  /// In explore mode: the worlds the last diagram plan read, for the next one (``PlanWorlds``).
  var planWorlds: PlanWorlds?
  /// In a comparison drawn in two halves: the narration pane's rows in both (``modelArea(_:)``),
  /// so both halves' panes stand on the same rows; nil when the frame holds one model.
  var sharedNarrationRows: Int?
  /// In a comparison: the overlay the other half draws, which reads the keys (this half's status
  /// line then says how to close it, not keys that would go to the overlay).
  var keysHeldBy: Overlay?

  public init(timeline: Timeline, fileName: String, options: RenderOptions = RenderOptions()) {
    self.timeline = timeline
    self.fileName = fileName
    self.options = options
    layout = Layout(timeline: timeline, key: Layout.Key(timeline, step: 0, micro: nil, folding: true), microSteps: nil)
  }

  /// The state of the comparison model's half of the frame, with its layout.
  init(comparing timeline: Timeline, fileName: String, options: RenderOptions, layout: Layout) {
    self.timeline = timeline
    self.fileName = fileName
    self.options = options
    self.layout = layout
    step = layout.key.step
    mirror = true
  }

  /// Whether this is a comparison's other half: it follows the keys of the first, so none of
  /// its panes is marked focused.
  var mirror = false

  /// The pane drawn as focused (`▶`): the focus, except in a comparison's other half.
  var focusShown: Pane? { mirror ? nil : focus }

  /// The inputs of the layout now.
  var layoutKey: Layout.Key { Layout.Key(timeline, step: step, micro: micro, folding: folding) }

  /// The inputs of the comparison model's layout now: the same step (or its last), folded; inside
  /// a micro-step, the other model's micro-step paired with it (``compareMicros``).
  var compareKey: Layout.Key? {
    compareTimeline.map { other in
      let otherStep = min(step, other.stepCount)
      var otherMicro: Int?
      if let micro, otherStep == step, let pairs = compareMicros, pairs.fits(step: step, other: other),
        micro < pairs.partner.count
      {
        otherMicro = pairs.partner[micro]
      }
      return Layout.Key(other, step: otherStep, micro: otherMicro, folding: true)
    }
  }

  /// Whether both layouts were computed for the state as it is.
  var layoutsCurrent: Bool { layout.key == layoutKey && compareLayout?.key == compareKey && diagramsCurrent }

  /// Recomputes the layouts whose inputs changed (the reducer calls it after every action).
  mutating func refreshLayout() {
    // A step or micro-step left forgets its narration's scroll: coming back to it starts at its
    // title and `say` text (at 80×24, PgDn, → and ← showed E6 step 9 from its last line).
    if narrationScroll.step != step || narrationScroll.micro != micro {
      narrationScroll = NarrationScroll(step: step, micro: micro, offset: 0)
    }
    let key = layoutKey
    if layout.key != key { layout = Layout(timeline: timeline, key: key, microSteps: layout.microSteps) }
    if let other = compareTimeline {
      // Lockstep inside a step: the other model's micro-steps of the step, paired with this one's.
      var theirs = compareLayout?.microSteps
      if micro != nil, step > 0, step <= other.stepCount, let mine = layout.microSteps, mine.step == step {
        if theirs?.step != step { theirs = Layout.MicroSteps(step: step, states: other.replay.microStates(step: step)) }
        if compareMicros?.fits(step: step, other: other) != true, let theirs {
          compareMicros = MicroAlignment(
            step: step, other: other, mine: mine.states.map(\.event), theirs: theirs.states.map(\.event))
        }
      }
      if let key = compareKey, compareLayout?.key != key {
        compareLayout = Layout(timeline: other, key: key, microSteps: theirs)
      }
    } else {
      compareLayout = nil
      compareMicros = nil
    }
    refreshCompareView()
    if forestView != .diagram {
      layout.loadStepLocks(timeline)
      if let other = compareTimeline { compareLayout?.loadStepLocks(other) }
    }
    refreshDiagram()
  }

  /// The layout of the state as it is: the stored one, or (only if an input was changed without
  /// the reducer) one computed for this call and not kept.
  var currentLayout: Layout {
    let key = layoutKey
    return layout.key == key ? layout : Layout(timeline: timeline, key: key, microSteps: layout.microSteps)
  }

  /// Loads the micro-steps of the step on screen into the layout (once per step) and returns how
  /// many there are.
  mutating func loadMicroSteps() -> Int {
    if let m = layout.microSteps, m.step == step { return m.states.count }
    let states = timeline.replay.microStates(step: step)
    layout.microSteps = Layout.MicroSteps(step: step, states: states)
    return states.count
  }

  /// The world on screen: after the step, or after the selected micro-step.
  public var world: World {
    let key = layoutKey
    return layout.key == key ? layout.world : Layout.worlds(timeline, key, layout.microSteps).0
  }

  /// The world before the step on screen (for the diff marks).
  public var previousWorld: World? {
    let key = layoutKey
    return layout.key == key ? layout.previous : Layout.worlds(timeline, key, layout.microSteps).1
  }

  /// The objects the arrow keys select in a pane: VMAs or anon_vmas.
  public func selectable(_ pane: Pane) -> [Selectable] {
    switch pane {
    case .steps: return []
    case .vmas: return currentLayout.rows.compactMap { $0.vma.map { .vma($0) } }
    case .forest: return currentLayout.columns.map { .anonVMA($0) }
    }
  }
}

/// An object the arrow keys select: a VMA (VMA pane) or an anon_vma (forest pane).
public enum Selectable: Sendable, Hashable {
  case vma(VMAID)
  case anonVMA(AnonVMAID)

  /// The VMA, if this is one.
  public var vma: VMAID? {
    if case .vma(let id) = self { return id }
    return nil
  }

  /// The anon_vma, if this is one.
  public var anonVMA: AnonVMAID? {
    if case .anonVMA(let id) = self { return id }
    return nil
  }
}
