/// Something that draws itself into a rectangle of a buffer (ratatui's `Widget`): a small value
/// built from the data it shows, rendered without access to the rest of the app.
public protocol Widget {
  /// Draws into `area` of `buffer` (nothing outside it).
  func render(in area: Rect, into buffer: inout Buffer)
}
