import SceneScript

/// `scene.md` of an export: a Markdown handout that renders on a Git forge as it is: per chapter
/// and step the operation, the step's SVG as an image, the narration and the kernel micro-steps
/// in order. Scene text is escaped (``text(_:)``): no raw HTML or Markdown from the scene.
public enum SceneHandout {
  /// Scene text as Markdown text: escaped as on the terminal (controls made visible), markup
  /// characters as entities and Markdown's punctuation backslash-escaped, so it reads literally.
  public static func text(_ s: String) -> String {
    var out = ""
    for c in TextSafety.escape(s).unicodeScalars {
      if "\\`*_{}[]()#+-.!|~:".unicodeScalars.contains(c) {
        out += "\\" + String(c)
      } else if let e = ScenePage.entity(c) {
        out += e
      } else {
        out.unicodeScalars.append(c)
      }
    }
    return out
  }

  public static func markdown(
    title: String, chapters: [(title: String, step: Int)], steps: [SceneExport.Step]
  ) -> String {
    var out = "# \(text(title))\n\n"
    if !chapters.isEmpty {
      for chapter in chapters { out += "- \(text(chapter.title)) (step \(chapter.step))\n" }
      out += "\n"
    }
    for step in steps {
      for chapter in chapters where chapter.step == step.index { out += "## \(text(chapter.title))\n\n" }
      out += "### Step \(step.index): \(text(step.label))\n\n"
      out += "![Step \(step.index): \(text(step.label))](\(step.image))\n\n"
      for line in step.say { out += text(line) + "\n\n" }
      if !step.micro.isEmpty {
        out += "Kernel micro-steps:\n\n"
        for (i, m) in step.micro.enumerated() { out += "\(i + 1). \(text(m.function)): \(text(m.text))\n" }
        out += "\n"
      }
    }
    return out
  }
}
