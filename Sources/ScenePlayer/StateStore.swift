import AnonVMASim
import SceneScript
import Synchronization

/// The states of a timeline, for O(1)-ish forward, backward and jump without keeping every state.
///
/// Keeps a keyframe every `interval` steps (plus step 0 and the last step) and replays the steps
/// in between on demand, with a small cache of recently visited states, so memory grows with
/// steps / interval while a seek replays at most `interval - 1` steps.
public struct StateStore: Sendable {
  /// Steps between keyframes.
  public let interval: Int
  var keyframes: [Int: World] = [:]
  var statements: [Statement?] = []
  var narrated: Bool
  let cache = StateCache()

  /// The number of states (steps + 1).
  public internal(set) var count = 0

  init(interval: Int, narrated: Bool) {
    self.interval = max(1, interval)
    self.narrated = narrated
  }

  public var indices: Range<Int> { 0..<count }
  public var isEmpty: Bool { count == 0 }
  public var last: World? { count == 0 ? nil : self[count - 1] }

  /// Records the state after step `count` (the world is shared, not copied, until it changes).
  mutating func append(_ world: World, statement: Statement?, keep: Bool) {
    statements.append(statement)
    if keep || count % interval == 0 { keyframes[count] = world }
    count += 1
  }

  /// Replaces the last state (used when a step is rebuilt).
  mutating func setLast(_ world: World) {
    keyframes[count - 1] = world
    cache.clear()
  }

  /// The world after step `k`.
  public subscript(k: Int) -> World {
    if let w = keyframes[k] { return w }
    if let w = cache.get(k) { return w }
    // Nearest materialized state below k.
    var base = k - 1
    var world: World?
    while base >= 0 {
      if let w = keyframes[base] ?? cache.get(base) {
        world = w
        break
      }
      base -= 1
    }
    guard var w = world else { return World(kernel: .v2_6_36) }
    for j in (base + 1)...k {
      guard let statement = statements[j] else { continue }
      Event.$narrating.withValue(narrated) {
        _ = try? Timeline.run(statement, on: &w, step: j, collect: false) { _, _ in }
      }
      w.checkInvariants()
      cache.put(j, w)
    }
    return w
  }
}

/// A small cache of recently replayed states, shared by copies of a store.
///
/// A plain class behind a spin lock (short critical sections, no blocking); a miss only costs a
/// replay.
final class StateCache: @unchecked Sendable {
  private var entries: [(Int, World)] = []
  private let capacity = 48
  private let lock = SpinLock()

  func get(_ k: Int) -> World? {
    lock.withLock { entries.last { $0.0 == k }?.1 }
  }

  func put(_ k: Int, _ w: World) {
    lock.withLock {
      entries.removeAll { $0.0 == k }
      entries.append((k, w))
      if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
  }

  func clear() { lock.withLock { entries.removeAll() } }
}

/// A minimal lock built on an atomic flag.
public final class SpinLock: @unchecked Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  public func withLock<T>(_ body: () -> T) -> T {
    while !flag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {}
    defer { flag.store(false, ordering: .releasing) }
    return body()
  }
}
