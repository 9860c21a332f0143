/// Ids of one kind (`TouchList<Process>` holds ``ProcessID``s) marked for the next invariant check,
/// in the order they were marked.
///
/// Marking runs at every micro-step, millions of times in a large scene: it appends (skipping a
/// repeat of the last id) and never hashes; the check sorts and deduplicates once per step.
public struct TouchList<Object>: Sendable, Hashable, ExpressibleByArrayLiteral {
  public private(set) var marks: [ID<Object>] = []

  public init(arrayLiteral elements: ID<Object>...) {
    self.init(elements)
  }

  public init<S: Sequence>(_ elements: S) where S.Element == ID<Object> {
    for e in elements { insert(e) }
  }

  public var isEmpty: Bool { marks.isEmpty }

  /// Marks an id.
  ///
  /// - Complexity: amortized O(1); never hashes.
  public mutating func insert(_ id: ID<Object>) {
    if marks.last != id { marks.append(id) }
  }

  /// The marked ids, ascending, each once.
  ///
  /// - Complexity: O(m log m), m the marks made.
  public var ids: [ID<Object>] {
    var sorted = marks.sorted()
    var kept = 0
    for i in sorted.indices where kept == 0 || sorted[i] != sorted[kept - 1] {
      sorted[kept] = sorted[i]
      kept += 1
    }
    sorted.removeLast(sorted.count - kept)
    return sorted
  }
}

/// A value carried along that equality and hashing ignore (a setting, not state).
public struct Unobserved<Value: Sendable>: Sendable, Hashable {
  public var value: Value
  public init(_ value: Value) { self.value = value }
  public static func == (a: Unobserved, b: Unobserved) -> Bool { true }
  public func hash(into hasher: inout Hasher) {}
}
