// ccops contact page: the standard-answer list shows only the answers of the chosen topic (the
// server checks the pair anyway; without scripts every topic's answers stay listed by group).
(function () {
  "use strict";

  function narrow(topic, answer) {
    var groups = answer.querySelectorAll("optgroup[data-topic]");
    for (var i = 0; i < groups.length; i++) {
      var mine = !topic || groups[i].getAttribute("data-topic") === topic;
      groups[i].hidden = !mine;
      groups[i].disabled = !mine;
    }
    var chosen = answer.options[answer.selectedIndex];
    if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) {
      answer.value = "";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var topic = document.getElementById("f-topic");
    var answer = document.getElementById("f-kb_article");
    if (!topic || !answer || !document.getElementById("contact-answer-form")) { return; }
    narrow(topic.value, answer);
    topic.addEventListener("change", function () { narrow(topic.value, answer); });
  });
})();
