/// An array stored in chunks of 64 elements, each chunk copy-on-write on its own.
///
/// A timeline keeps many worlds that differ in a few objects. With a plain array, changing one
/// process of a copied world copies all of them; here it copies one chunk and the chunk table
/// (one reference per 64 elements), so worlds kept side by side share everything else.
public struct ChunkedArray<Element: Sendable & Hashable>: Sendable, Hashable, RandomAccessCollection,
  MutableCollection, ExpressibleByArrayLiteral
{
  @usableFromInline var chunks: [[Element]] = []
  public private(set) var count = 0

  @usableFromInline static var shift: Int { 6 }
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
    _read { yield chunks[i >> Self.shift][i & Self.mask] }
    _modify { yield &chunks[i >> Self.shift][i & Self.mask] }
  }

  public mutating func append(_ element: Element) {
    if count & Self.mask == 0 {
      var chunk: [Element] = []
      chunk.reserveCapacity(Self.mask + 1)
      chunks.append(chunk)
    }
    chunks[chunks.count - 1].append(element)
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

  /// Whether an object has this id (without copying it out).
  @inlinable
  public func contains(_ id: Int) -> Bool { id >= 0 && id < slots.count && slots[id] != nil }

  /// Removes the object with this id and returns it.
  @discardableResult
  public mutating func removeValue(forKey id: Int) -> Element? {
    guard let old = self[id] else { return nil }
    self[id] = nil
    return old
  }

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
