/// Access by id: the one place where an anon_vma id (1-based, the kernel-style name `AV<n>`)
/// becomes an index into `anonVMAs` (0-based). Anon_vmas are never removed from storage (a freed
/// one stays with `alive == false`), so an id allocated in this world is always a valid index.
///
/// Step 1 of issue 15 (typed ids): the accessor comes first, the `AnonVMAID` type follows and
/// only has to change the signatures here.
extension World {
  /// The anon_vma with id `id`; the id must have been allocated (see ``anonVMA(_:)`` for a
  /// checked lookup).
  ///
  /// Reads and single-field writes (`self[anonVMA: a].refcount -= 1`) go through the storage's
  /// `_read`/`_modify`; for mutations in the micro-step hot path use ``updateAnonVMA(_:_:)``.
  @inlinable
  public subscript(anonVMA id: Int) -> AnonVMA {
    _read { yield anonVMAs[id - 1] }
    _modify { yield &anonVMAs[id - 1] }
  }

  /// Mutates the anon_vma with id `id` in place through a plain call: the hot-path mutation
  /// (``ChunkedArray/update(_:_:)``).
  @inlinable
  public mutating func updateAnonVMA<R>(_ id: Int, _ body: (inout AnonVMA) -> R) -> R {
    anonVMAs.update(id - 1, body)
  }
}
