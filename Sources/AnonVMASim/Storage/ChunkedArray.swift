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
  /// The race explorer's digest of the elements (``World/memoizeHashes()``), nil when none was
  /// taken since the last change: every mutation clears it. Neither `==` nor hashing reads it.
  @usableFromInline var digest: UInt64?

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

  /// The element at `i`.
  ///
  /// - Complexity: O(1) to read; a write after a copy copies one chunk, as ``update(_:_:)`` does.
  @inlinable
  public subscript(i: Int) -> Element {
    _read { yield pages[i >> Self.pageShift][(i >> Self.chunkShift) & Self.mask][i & Self.mask] }
    _modify {
      digest = nil
      yield &pages[i >> Self.pageShift][(i >> Self.chunkShift) & Self.mask][i & Self.mask]
    }
  }

  /// Mutates one element in place through a plain call: **the hot-path mutation**. `subscript`'s
  /// `_modify` is a coroutine, and where it is not inlined each access allocates the coroutine's
  /// frame; the engine's micro-steps change elements with `update` (through `World.updateAnonVMA(_:_:)`),
  /// and use the subscript where a field is set once outside the hot loop.
  ///
  /// - Complexity: O(1); the first change after a copy copies one chunk (64 elements), one page
  ///   of the chunk table (64 references) and the page table.
  @inlinable
  public mutating func update<R>(_ i: Int, _ body: (inout Element) -> R) -> R {
    digest = nil
    return body(&pages[i >> Self.pageShift][(i >> Self.chunkShift) & Self.mask][i & Self.mask])
  }

  /// Calls `body` with each chunk's buffer, in order: the elements read in place (the
  /// subscript, where it is not inlined, and a closure given each element copy it out,
  /// retaining its arrays).
  ///
  /// - Complexity: O(n).
  @inlinable
  public func forEachChunk(_ body: (UnsafeBufferPointer<Element>) -> Void) {
    pages.withUnsafeBufferPointer { pages in
      for p in pages.indices {
        pages[p].withUnsafeBufferPointer { chunks in
          for c in chunks.indices { chunks[c].withUnsafeBufferPointer(body) }
        }
      }
    }
  }

  /// Adds an element at the end.
  ///
  /// - Complexity: amortized O(1).
  public mutating func append(_ element: Element) {
    digest = nil
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

  // The elements alone (``digest`` is a cache), in the order the synthesized conformance had.
  public static func == (a: ChunkedArray, b: ChunkedArray) -> Bool { a.count == b.count && a.pages == b.pages }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(pages)
    hasher.combine(count)
  }
}
