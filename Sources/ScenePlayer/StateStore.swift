import AnonVMASim
import Synchronization

/// The stored states of a timeline: a keyframe every `interval` steps (plus step 0 and the last
/// step) and a small cache of recently replayed states. ``Replay`` fills the gaps, so memory grows
/// with steps / interval while a seek replays at most `interval - 1` steps.
struct StateStore: Sendable {
  /// Steps between keyframes.
  let interval: Int
  var keyframes: [Int: World] = [:]
  /// Shared by copies until one of them appends (below): then the copies' states may differ.
  private(set) var cache = StateCache()

  /// The number of states (steps + 1).
  private(set) var count = 0

  init(interval: Int) {
    self.interval = max(1, interval)
  }

  /// Records the state after step `count`; it is kept when `keep` or at a keyframe.
  mutating func append(_ world: World, keep: Bool) {
    // A copy that goes on differently (explore's undo keeps the timeline before a step) must not
    // read the other's replayed states from a shared cache: the first append of a copy detaches.
    if !isKnownUniquelyReferenced(&cache) { cache = StateCache() }
    if keep || count % interval == 0 { keyframes[count] = world }
    count += 1
  }

  /// Replaces the last state (used when a step is rebuilt).
  mutating func setLast(_ world: World) {
    keyframes[count - 1] = world
    cache.clear()
  }

  /// The stored state nearest to step `k` at or below it: a keyframe or a cached state.
  ///
  /// - Complexity: O(`interval` × the cache's capacity) at worst.
  func nearest(atOrBelow k: Int) -> (step: Int, world: World)? {
    var base = k
    while base >= 0 {
      if let w = keyframes[base] ?? cache.get(base) { return (base, w) }
      base -= 1
    }
    return nil
  }

  /// Caches a replayed state.
  func remember(_ k: Int, _ world: World) { cache.put(k, world) }
}

/// A small cache of recently replayed states, shared by copies of a store; a miss only costs a
/// replay.
final class StateCache: Sendable {
  private static let capacity = 48
  private let entries = Mutex<[(Int, World)]>([])

  func get(_ k: Int) -> World? {
    entries.withLock { entries in entries.last { $0.0 == k }?.1 }
  }

  func put(_ k: Int, _ w: World) {
    entries.withLock { entries in
      entries.removeAll { $0.0 == k }
      entries.append((k, w))
      if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
    }
  }

  func clear() { entries.withLock { $0.removeAll() } }
}
