import AnonVMASim
import SceneScript
import ScenePlayer
import TermRender

/// What the app loop feeds the reducer.
public enum AppAction: Sendable, Hashable {
  case key(Key)
  /// Time passed (for `p` auto-play), in seconds.
  case tick(Double)
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
}

/// How frames are drawn.
public struct RenderOptions: Sendable, Hashable {
  public var ascii: Bool
  public var colors: Bool

  public init(ascii: Bool = false, colors: Bool = true) {
    self.ascii = ascii
    self.colors = colors
  }
}

/// The whole state of the interactive app: the timeline and where the user is in it.
public struct AppState: Sendable {
  public var timeline: Timeline
  public var fileName: String
  public var step: Int = 0
  /// Index of the micro-step shown inside `step`, or nil for the whole step.
  public var micro: Int?
  public var focus: Pane = .steps
  public var selection: [Pane: Int] = [:]
  public var overlay: Overlay?
  public var prompt: Prompt?
  public var presenter = false
  public var treeLayout = false
  /// Identical sibling subtrees shown as one row ×N (`z` toggles).
  public var folding = true
  public var playing = false
  public var playClock: Double = 0
  /// Seconds per step when playing.
  public var pace: Double = 1.5
  /// Explore mode: an empty world and a `:` prompt that runs operations.
  public var explore = false
  /// Scene lines typed in explore mode (saved by `:w`).
  public var exploreLines: [String] = []
  /// A message shown in place (errors of `:` commands, jump errors).
  public var message: String?
  public var options: RenderOptions
  /// The parsed scene, so it can run on another kernel model side by side (`c`, `--compare`).
  public var scene: Scene?
  /// The same scene on a second model, stepped in lockstep.
  public var compareTimeline: Timeline?
  var microCache: MicroCache?
  /// Layouts of the state on screen, computed once per step (a large forest takes milliseconds).
  let layoutMemo = LayoutMemo()

  /// What the view derives from the world on screen, for one key (step, micro-step, folding).
  final class LayoutMemo: Sendable {
    struct Key: Hashable {
      var step: Int
      var micro: Int?
      var stepCount: Int
      var folding: Bool
    }

    /// One value and the key it was made for.
    final class Slot<Value>: @unchecked Sendable {
      private let lock = SpinLock()
      private var key: Key?
      private var value: Value?

      func get(_ key: Key, _ make: () -> Value) -> Value {
        if let hit = lock.withLock({ self.key == key ? value : nil }) { return hit }
        let made = make()
        lock.withLock {
          self.key = key
          value = made
        }
        return made
      }
    }

    let rows = Slot<[VMARow]>()
    let columns = Slot<[Int]>()
    let functions = Slot<[String]>()
    let totals = Slot<String>()
    let orderedVMAs = Slot<[Int]>()
    let vanishedVMAs = Slot<[Int]>()
    let pagesByAnonVMA = Slot<[Int: [Int]]>()
  }

  var layoutKey: LayoutMemo.Key { LayoutMemo.Key(step: step, micro: micro, stepCount: timeline.stepCount, folding: folding) }

  struct MicroCache: Sendable {
    var step: Int
    var states: [(event: Event, world: World)]
  }

  public init(timeline: Timeline, fileName: String, options: RenderOptions = RenderOptions()) {
    self.timeline = timeline
    self.fileName = fileName
    self.options = options
  }

  /// The micro-steps of the current step (cached).
  public mutating func microStates() -> [(event: Event, world: World)] {
    if let cache = microCache, cache.step == step { return cache.states }
    let states = timeline.microStates(step: step)
    microCache = MicroCache(step: step, states: states)
    return states
  }

  /// The world on screen: after the step, or after the selected micro-step.
  public var world: World {
    if let micro, let cache = microCache, cache.step == step, micro < cache.states.count {
      return cache.states[micro].world
    }
    return timeline.states[step]
  }

  /// The world before the step on screen (for the diff marks).
  public var previousWorld: World? {
    if let micro, let cache = microCache, cache.step == step, micro < cache.states.count {
      return micro == 0 ? timeline.states[step - 1] : cache.states[micro - 1].world
    }
    return step > 0 ? timeline.states[step - 1] : nil
  }
}
