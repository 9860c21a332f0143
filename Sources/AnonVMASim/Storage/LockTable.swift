/// The anon_vma locks held: lock id to its holders in acquisition order, with the part of
/// `Dictionary`'s interface the model uses.
///
/// A handful of locks are held at a time, and every micro-step that locks or unlocks looks one up:
/// one short array of (lock, holder) pairs, sorted by lock id (so equal tables compare equal),
/// with no hashing and no array per lock.
public struct LockTable<Holder: Sendable & Hashable>: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  @usableFromInline struct Hold: Sendable, Hashable {
    @usableFromInline var lock: AnonVMAID
    @usableFromInline var holder: Holder
    @usableFromInline init(lock: AnonVMAID, holder: Holder) {
      self.lock = lock
      self.holder = holder
    }
  }
  @usableFromInline var holds: [Hold] = []

  public init(dictionaryLiteral elements: (AnonVMAID, [Holder])...) {
    for (k, v) in elements { self[k] = v }
  }

  /// A lock's holders, nil when nobody holds it.
  ///
  /// - Complexity: O(h), h the holds in the table (a handful).
  public subscript(lock: AnonVMAID) -> [Holder]? {
    get {
      let found = holds.filter { $0.lock == lock }.map(\.holder)
      return found.isEmpty ? nil : found
    }
    set {
      holds.removeAll { $0.lock == lock }
      for h in newValue ?? [] { add(h, to: lock) }
    }
  }

  /// Adds a holder after the lock's other holders.
  ///
  /// - Complexity: O(h).
  public mutating func add(_ holder: Holder, to lock: AnonVMAID) {
    var i = 0
    while i < holds.count && holds[i].lock <= lock { i += 1 }
    holds.insert(Hold(lock: lock, holder: holder), at: i)
  }

  /// Removes the lock's first holder matching `predicate`.
  ///
  /// - Complexity: O(h).
  public mutating func remove(from lock: AnonVMAID, where predicate: (Holder) -> Bool) {
    if let i = holds.firstIndex(where: { $0.lock == lock && predicate($0.holder) }) { holds.remove(at: i) }
  }

  /// Whether some holder of the lock matches.
  ///
  /// - Complexity: O(h).
  public func contains(_ lock: AnonVMAID, where predicate: (Holder) -> Bool) -> Bool {
    holds.contains { $0.lock == lock && predicate($0.holder) }
  }

  /// Whether nobody holds the lock.
  public func isFree(_ lock: AnonVMAID) -> Bool { !holds.contains { $0.lock == lock } }

  /// Whether every holder of the lock matches (true when nobody holds it).
  ///
  /// - Complexity: O(h).
  public func allHolders(of lock: AnonVMAID, satisfy predicate: (Holder) -> Bool) -> Bool {
    holds.allSatisfy { $0.lock != lock || predicate($0.holder) }
  }

  /// Calls `body` with each lock and holder: locks ascending, a lock's holders in acquisition
  /// order (what ``keys`` and then the subscript give, without an array per lock).
  ///
  /// - Complexity: O(h).
  @inlinable
  public func forEachHolder(_ body: (AnonVMAID, Holder) -> Void) {
    for h in holds { body(h.lock, h.holder) }
  }

  /// Lock ids with a holder, ascending.
  public var keys: [AnonVMAID] {
    var ids: [AnonVMAID] = []
    for h in holds where ids.last != h.lock { ids.append(h.lock) }
    return ids
  }

  @discardableResult
  public mutating func removeValue(forKey lock: AnonVMAID) -> [Holder]? {
    let found = self[lock]
    holds.removeAll { $0.lock == lock }
    return found
  }
}
