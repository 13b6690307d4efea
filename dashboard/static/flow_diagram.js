/* Draws the flow's state chart from its Mermaid source (computed by the server from the
   python-statemachine chart) with the vendored Mermaid, in strict mode: labels are text, never
   markup or links. Without JavaScript the source stays readable below the diagram. */
(function () {
  "use strict";

  var source = document.getElementById("diagram-source");
  var view = document.getElementById("diagram-view");
  if (!source || !view || typeof window.mermaid === "undefined") {
    return;
  }
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
  window.mermaid.render("flow-diagram-svg", source.textContent).then(function (drawn) {
    view.innerHTML = drawn.svg;
    view.classList.add("rendered");
  }).catch(function (error) {
    view.textContent = "The diagram could not be drawn (" + error.message + "); its source is below.";
  });
}());
