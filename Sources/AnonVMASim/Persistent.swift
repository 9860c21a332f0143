/// An array stored in chunks of 64 elements, each chunk copy-on-write on its own, and the chunk
/// table itself in pages of 64 chunks.
///
/// A timeline keeps many worlds that differ in a few objects. With a plain array, changing one
/// process of a copied world copies all of them; here it copies one chunk, one page of the chunk
/// table and the page table (one reference per 4,096 elements), so worlds kept side by side
/// share everything else. (With one level, a world with millions of anon_vma_chain ids copied a
/// table of tens of thousands of references at every step.)
public struct ChunkedArray<Element: Sendable & Hashable>: Sendable, Hashable, RandomAccessCollection,
  MutableCollection, ExpressibleByArrayLiteral
{
  @usableFromInline var pages: [[[Element]]] = []
  public private(set) var count = 0

  @usableFromInline static var chunkShift: Int { 6 }
  @usableFromInline static var pageShift: Int { 12 }
  @usableFromInline static var mask: Int { 63 }

  public init() {}

  public init(arrayLiteral elements: Element...) {
    for e in elements { append(e) }
  }

  public init<S: Sequence>(_ elements: S) where S.Element == Element {
    for e in elements { append(e) }
  }

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }

  @inlinable
  public subscript(i: Int) -> Element {
    _read { yield pages[i >> Self.pageShift][(i >> Self.chunkShift) & Self.mask][i & Self.mask] }
    _modify { yield &pages[i >> Self.pageShift][(i >> Self.chunkShift) & Self.mask][i & Self.mask] }
  }

  /// Mutates one element in place through a plain call: `subscript`'s `_modify` is a coroutine,
  /// and where it is not inlined each access allocates the coroutine's frame (hot paths of the
  /// engine use this instead).
  @inlinable
  public mutating func update<R>(_ i: Int, _ body: (inout Element) -> R) -> R {
    body(&pages[i >> Self.pageShift][(i >> Self.chunkShift) & Self.mask][i & Self.mask])
  }

  public mutating func append(_ element: Element) {
    if count & ((1 << Self.pageShift) - 1) == 0 {
      var page: [[Element]] = []
      page.reserveCapacity(Self.mask + 1)
      pages.append(page)
    }
    let p = pages.count - 1
    if count & Self.mask == 0 {
      var chunk: [Element] = []
      chunk.reserveCapacity(Self.mask + 1)
      pages[p].append(chunk)
    }
    pages[p][pages[p].count - 1].append(element)
    count += 1
  }
}

/// Objects by id (ids start at 1, are handed out in sequence and never reused), with the part
/// of `Dictionary`'s interface the model uses; stored in a ``ChunkedArray`` indexed by id, so
/// lookups need no hashing and copies share unchanged chunks.
public struct IDTable<Element: Sendable & Hashable>: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  @usableFromInline var slots = ChunkedArray<Element?>()
  @usableFromInline var stored = 0
  /// How many ids hold an object.
  public var count: Int { stored }

  public init() {}

  public init(dictionaryLiteral elements: (Int, Element)...) {
    for (k, v) in elements { self[k] = v }
  }

  public var isEmpty: Bool { count == 0 }

  @inlinable
  public subscript(id: Int) -> Element? {
    get { id >= 0 && id < slots.count ? slots[id] : nil }
    _modify {
      if id >= 0 && id < slots.count {
        let had = slots[id] != nil
        yield &slots[id]
        stored += (slots[id] != nil ? 1 : 0) - (had ? 1 : 0)
      } else {
        var fresh: Element? = nil
        yield &fresh
        if let fresh { store(fresh, at: id) }
      }
    }
  }

  @usableFromInline mutating func store(_ element: Element, at id: Int) {
    precondition(id >= 0, "ids are not negative")
    while slots.count <= id { slots.append(nil) }
    slots[id] = element
    stored += 1
  }

  /// Mutates an object in place through a plain call (see ``ChunkedArray/update(_:_:)``); nil
  /// when no object has the id.
  @inlinable
  @discardableResult
  public mutating func update<R>(_ id: Int, _ body: (inout Element) -> R) -> R? {
    guard id >= 0 && id < slots.count else { return nil }
    return slots.update(id) { (slot: inout Element?) -> R? in
      // Moved out and back, so the object's arrays stay uniquely referenced.
      guard var object = slot.take() else { return nil }
      let result = body(&object)
      slot = object
      return result
    }
  }

  /// Removes the object with this id, in place.
  @inlinable
  public mutating func remove(_ id: Int) {
    guard id >= 0 && id < slots.count else { return }
    let removed = slots.update(id) { (slot: inout Element?) -> Bool in slot.take() != nil }
    if removed { stored -= 1 }
  }

  /// Reads an object in place: the subscript's getter copies it out (retaining its arrays and
  /// strings), which a loop over thousands of objects feels.
  @inlinable
  public func withObject<R>(_ id: Int, _ body: (Element) -> R) -> R? {
    guard id >= 0 && id < slots.count else { return nil }
    // Through the chunks' buffers: an element is borrowed, not copied (Optional.map, generic
    // here, copied each object through its value witness).
    typealias Slots = ChunkedArray<Element?>
    let (page, chunk, slot) = (id >> Slots.pageShift, (id >> Slots.chunkShift) & Slots.mask, id & Slots.mask)
    return slots.pages.withUnsafeBufferPointer { pages in
      pages[page].withUnsafeBufferPointer { chunks in
        chunks[chunk].withUnsafeBufferPointer { objects in
          switch objects[slot] {
          case .some(let object): body(object)
          case .none: nil
          }
        }
      }
    }
  }

  /// Whether an object has this id (without copying it out).
  @inlinable
  public func contains(_ id: Int) -> Bool { id >= 0 && id < slots.count && slots[id] != nil }

  /// Ids that hold an object, ascending.
  public var keys: [Int] { slots.indices.filter { slots[$0] != nil } }

  /// The objects in id order.
  public var values: [Element] { slots.compactMap { $0 } }

  // Equal when the same ids hold equal objects (slots past the last object do not count).
  public static func == (a: IDTable, b: IDTable) -> Bool {
    guard a.count == b.count else { return false }
    for id in 0..<max(a.slots.count, b.slots.count) where a[id] != b[id] { return false }
    return true
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(count)
    for id in slots.indices {
      guard let element = slots[id] else { continue }
      hasher.combine(id)
      hasher.combine(element)
    }
  }
}

/// Ids marked for the next invariant check, in the order they were marked.
///
/// Marking runs at every micro-step, millions of times in a large scene: it appends (skipping a
/// repeat of the last id) and never hashes; the check sorts and deduplicates once per step.
public struct TouchList: Sendable, Hashable, ExpressibleByArrayLiteral {
  public private(set) var marks: [Int] = []

  public init(arrayLiteral elements: Int...) {
    self.init(elements)
  }

  public init<S: Sequence>(_ elements: S) where S.Element == Int {
    for e in elements { insert(e) }
  }

  public var isEmpty: Bool { marks.isEmpty }

  public mutating func insert(_ id: Int) {
    if marks.last != id { marks.append(id) }
  }

  /// The marked ids, ascending, each once.
  public var ids: [Int] {
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

/// The anon_vma locks held: lock id to its holders in acquisition order, with the part of
/// `Dictionary`'s interface the model uses.
///
/// A handful of locks are held at a time, and every micro-step that locks or unlocks looks one up:
/// one short array of (lock, holder) pairs, sorted by lock id (so equal tables compare equal),
/// with no hashing and no array per lock.
public struct LockTable<Holder: Sendable & Hashable>: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  @usableFromInline struct Hold: Sendable, Hashable {
    @usableFromInline var lock: Int
    @usableFromInline var holder: Holder
    @usableFromInline init(lock: Int, holder: Holder) {
      self.lock = lock
      self.holder = holder
    }
  }
  @usableFromInline var holds: [Hold] = []

  public init(dictionaryLiteral elements: (Int, [Holder])...) {
    for (k, v) in elements { self[k] = v }
  }

  /// A lock's holders, nil when nobody holds it.
  public subscript(lock: Int) -> [Holder]? {
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
  public mutating func add(_ holder: Holder, to lock: Int) {
    var i = 0
    while i < holds.count && holds[i].lock <= lock { i += 1 }
    holds.insert(Hold(lock: lock, holder: holder), at: i)
  }

  /// Removes the lock's first holder matching `predicate`.
  public mutating func remove(from lock: Int, where predicate: (Holder) -> Bool) {
    if let i = holds.firstIndex(where: { $0.lock == lock && predicate($0.holder) }) { holds.remove(at: i) }
  }

  /// Whether some holder of the lock matches.
  public func contains(_ lock: Int, where predicate: (Holder) -> Bool) -> Bool {
    holds.contains { $0.lock == lock && predicate($0.holder) }
  }

  /// Whether nobody holds the lock.
  public func isFree(_ lock: Int) -> Bool { !holds.contains { $0.lock == lock } }

  /// Whether every holder of the lock matches (true when nobody holds it).
  public func allHolders(of lock: Int, satisfy predicate: (Holder) -> Bool) -> Bool {
    holds.allSatisfy { $0.lock != lock || predicate($0.holder) }
  }

  /// Lock ids with a holder, ascending.
  public var keys: [Int] {
    var ids: [Int] = []
    for h in holds where ids.last != h.lock { ids.append(h.lock) }
    return ids
  }

  @discardableResult
  public mutating func removeValue(forKey lock: Int) -> [Holder]? {
    let found = self[lock]
    holds.removeAll { $0.lock == lock }
    return found
  }
}
