import Synchronization

/// A minimal lock built on an atomic flag.
///
/// ScenePlayer no longer uses it (its state cache is behind `Synchronization.Mutex`); only
/// AppCore's `LayoutMemo` does, until the renovation's `Layout` value replaces that memo. Delete
/// this file then.
public final class SpinLock: @unchecked Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  public func withLock<T>(_ body: () -> T) -> T {
    while !flag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {}
    defer { flag.store(false, ordering: .releasing) }
    return body()
  }
}
