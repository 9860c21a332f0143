/// Objects by id (`ID<Element>`: ids start at 1, are handed out in sequence and never reused), with the part
/// of `Dictionary`'s interface the model uses; stored in a ``ChunkedArray`` indexed by id, so
/// lookups need no hashing and copies share unchanged chunks.
public struct IDTable<Element: Sendable & Hashable>: Sendable, Hashable, ExpressibleByDictionaryLiteral {
  @usableFromInline var slots = ChunkedArray<Element?>()
  @usableFromInline var stored = 0
  /// How many ids hold an object.
  public var count: Int { stored }

  public init() {}

  public init(dictionaryLiteral elements: (ID<Element>, Element)...) {
    for (k, v) in elements { self[k] = v }
  }

  public var isEmpty: Bool { count == 0 }

  /// The object with this id, nil if none; setting nil removes it.
  ///
  /// - Complexity: O(1) (storing past the last id first appends empty slots up to it).
  @inlinable
  public subscript(key: ID<Element>) -> Element? {
    // Through the chunks' buffers: the nested arrays' getters retain and release each array.
    get { key.raw >= 0 && key.raw < slots.count ? inSlot(key.raw) { $0[$1] } : nil }
    _modify {
      let id = key.raw
      if id >= 0 && id < slots.count {
        let had = contains(key)
        yield &slots[id]
        stored += (contains(key) ? 1 : 0) - (had ? 1 : 0)
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

  /// Mutates an object in place through a plain call: the hot-path mutation, as
  /// ``ChunkedArray/update(_:_:)`` is; nil when no object has the id.
  ///
  /// - Complexity: O(1).
  @inlinable
  @discardableResult
  public mutating func update<R>(_ key: ID<Element>, _ body: (inout Element) -> R) -> R? {
    let id = key.raw
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
  ///
  /// - Complexity: O(1).
  @inlinable
  public mutating func remove(_ key: ID<Element>) {
    let id = key.raw
    guard id >= 0 && id < slots.count else { return }
    let removed = slots.update(id) { (slot: inout Element?) -> Bool in slot.take() != nil }
    if removed { stored -= 1 }
  }

  /// Reads an object in place: the subscript's getter copies it out (retaining its arrays and
  /// strings), which a loop over thousands of objects feels.
  ///
  /// - Complexity: O(1).
  @inlinable
  public func withObject<R>(_ key: ID<Element>, _ body: (Element) -> R) -> R? {
    let id = key.raw
    guard id >= 0 && id < slots.count else { return nil }
    // The object is borrowed where it lies: binding it out of its optional (`case .some(let
    // object)`, or Optional.map) copies it, retaining its strings and arrays, each a cache miss
    // in a large world. An optional's payload is stored at its start, so the slot is read as
    // the element once its case is known.
    return inSlot(id) { objects, slot in
      guard case .some = objects[slot], let base = objects.baseAddress else { return nil }
      return (base + slot).withMemoryRebound(to: Element.self, capacity: 1) { body($0.pointee) }
    }
  }

  /// Calls `body` with the buffer of the chunk that holds slot `id` (`id` must be below
  /// `slots.count`) and the slot's index in it.
  @inlinable
  func inSlot<R>(_ id: Int, _ body: (UnsafeBufferPointer<Element?>, Int) -> R) -> R {
    typealias Slots = ChunkedArray<Element?>
    let (page, chunk, slot) = (id >> Slots.pageShift, (id >> Slots.chunkShift) & Slots.mask, id & Slots.mask)
    return slots.pages.withUnsafeBufferPointer { pages in
      pages[page].withUnsafeBufferPointer { chunks in chunks[chunk].withUnsafeBufferPointer { body($0, slot) } }
    }
  }

  /// Whether an object has this id: the slot's case tested in place (`slots[id] != nil` copied
  /// the object out through its value witness, hundreds of nanoseconds for a VMA).
  @inlinable
  public func contains(_ key: ID<Element>) -> Bool {
    guard key.raw >= 0 && key.raw < slots.count else { return false }
    return inSlot(key.raw) { objects, slot in
      if case .none = objects[slot] { return false }
      return true
    }
  }

  /// Calls `body` with each id that holds an object and its object, ascending, each borrowed
  /// through the chunks' buffers (``keys`` then ``withObject(_:_:)`` builds an array of the ids
  /// and copies each object once to test it).
  ///
  /// - Complexity: O(n), n the highest id.
  @inlinable
  public func forEachObject(_ body: (ID<Element>, Element) -> Void) {
    var id = 0
    slots.pages.withUnsafeBufferPointer { pages in
      for p in pages.indices {
        pages[p].withUnsafeBufferPointer { chunks in
          for c in chunks.indices {
            chunks[c].withUnsafeBufferPointer { objects in
              for s in objects.indices {
                if case .some(let object) = objects[s] { body(ID(id), object) }
                id += 1
              }
            }
          }
        }
      }
    }
  }

  /// Ids that hold an object, ascending.
  ///
  /// - Complexity: O(n), n the highest id.
  public var keys: [ID<Element>] { slots.indices.map { ID($0) }.filter { contains($0) } }

  /// The objects in id order.
  ///
  /// - Complexity: O(n), n the highest id.
  public var values: [Element] { slots.compactMap { $0 } }

  // Equal when the same ids hold equal objects (slots past the last object do not count).
  public static func == (a: IDTable, b: IDTable) -> Bool {
    guard a.count == b.count else { return false }
    for id in 0..<max(a.slots.count, b.slots.count) where a.object(at: id) != b.object(at: id) { return false }
    return true
  }

  /// The object in slot `id`, past the last slot nil (for `==`, which compares tables of different lengths).
  private func object(at id: Int) -> Element? { id < slots.count ? slots[id] : nil }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(count)
    for id in slots.indices {
      guard let element = slots[id] else { continue }
      hasher.combine(id)
      hasher.combine(element)
    }
  }
}
