/// The arguments of `mremap PROCESS MAPPING PAGE[..PAGE] to NEW [after NAME | before NAME]
/// [dontunmap]` (`Docs/scene-language.md`): move the pages of the range to a new mapping `NEW`
/// (mremap(MREMAP_MAYMOVE|MREMAP_FIXED) with the same length), at a fresh address or directly
/// after or before the mapping `NAME` of the same process; with `dontunmap`
/// (MREMAP_DONTUNMAP, Linux 5.7+) the source range stays mapped, without its pages.
public struct MRemapArgs: Sendable, Hashable {
  /// Where the destination lies.
  public enum Placement: Sendable, Hashable {
    /// A fresh address, as `mmap` picks one (16 free pages after it).
    case fresh
    /// Directly after the last page of that mapping still mapped (the end of its last VMA).
    case after(String)
    /// Directly before the first page of that mapping still mapped.
    case before(String)
  }

  public var process: String
  public var mapping: String
  public var first: Int
  public var last: Int
  /// The name of the mapping the moved pages get.
  public var target: String
  public var placement: Placement
  public var dontUnmap: Bool

  public init(
    process: String, mapping: String, first: Int, last: Int, target: String, placement: Placement = .fresh,
    dontUnmap: Bool = false
  ) {
    self.process = process
    self.mapping = mapping
    self.first = first
    self.last = last
    self.target = target
    self.placement = placement
    self.dontUnmap = dontUnmap
  }

  /// The arguments as a scene line writes them after `mremap`.
  public var arguments: String {
    var s = "\(process) \(mapping) " + (first == last ? "\(first)" : "\(first)..\(last)") + " to \(target)"
    switch placement {
    case .fresh: break
    case .after(let n): s += " after \(n)"
    case .before(let n): s += " before \(n)"
    }
    return dontUnmap ? s + " dontunmap" : s
  }

  /// The number of pages moved.
  public var pages: Int { last - first + 1 }
}
