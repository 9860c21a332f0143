/// Columns a Unicode scalar takes on a terminal, as the C library's `wcwidth` (which ncurses and
/// tmux use) says: a table generated from glibc by `scripts/gen-display-width`.
public enum DisplayWidth {
  /// 0 (combining and other zero-width), 1, 2 (East Asian wide, most emoji), or -1 (not
  /// printable: controls, noncharacters, unassigned code points, line and paragraph separators).
  public static func of(_ v: UInt32) -> Int {
    if v >= 0x20 && v < 0x7F { return 1 }
    if v < 0xA0 { return -1 }
    // The last run that starts at or before v.
    var lo = 0
    var hi = widths.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if bounds[2 * mid] <= v { lo = mid + 1 } else { hi = mid }
    }
    guard lo > 0, v <= bounds[2 * (lo - 1) + 1] else { return 1 }
    return Int(widths[lo - 1])
  }
}
