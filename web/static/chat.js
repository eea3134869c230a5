// The chat widget of the public page. Every text is rendered as text; links are
// made only in the assistant's own messages. The conversation is kept in
// localStorage, so it survives a reload; "Recommencer" starts a new one.
(function () {
  "use strict";

  var STORE_KEY = "clea-chat";
  var LINK = /(https?:\/\/[^\s]+|www\.[^\s]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var restart = document.getElementById("chat-restart");

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function newConversation() {
    return { sender: randomId(), history: [] };
  }

  function loadConversation() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY));
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.history)) {
        return saved;
      }
    } catch (ignored) { /* a broken or missing record: start again */ }
    return null;
  }

  var conversation = loadConversation() || newConversation();

  function save() {
    window.localStorage.setItem(STORE_KEY, JSON.stringify(conversation));
  }

  function linkFor(text) {
    var link = document.createElement("a");
    link.textContent = text.replace(/[.,;:]+$/, "");
    if (text.indexOf("@") > 0 && text.indexOf("http") !== 0) {
      link.href = "mailto:" + link.textContent;
    } else {
      link.href = text.indexOf("http") === 0 ? link.textContent : "https://" + link.textContent;
      link.rel = "noopener";
      link.target = "_blank";
    }
    return link;
  }

  function fill(node, text, withLinks) {
    if (!withLinks) {
      node.textContent = text;
      return;
    }
    var last = 0;
    text.replace(LINK, function (match, _group, offset) {
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      node.appendChild(linkFor(match));
      last = offset + match.length;
      return match;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function show(entry) {
    var item = document.createElement("div");
    item.className = "message " + entry.who;
    fill(item, entry.text, entry.who === "bot");
    log.appendChild(item);
    if (entry.who === "bot" && entry.buttons && entry.buttons.length) {
      var choices = document.createElement("div");
      choices.className = "choices";
      entry.buttons.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.title;
        button.addEventListener("click", function () {
          send(choice.title, choice.payload);
        });
        choices.appendChild(button);
      });
      log.appendChild(choices);
    }
    log.scrollTop = log.scrollHeight;
  }

  function remember(entry) {
    conversation.history.push(entry);
    save();
    show(entry);
  }

  function send(text, payload) {
    if (text) {
      remember({ who: "user", text: text });
    }
    return window.fetch("/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: conversation.sender, message: payload || text })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "");
        }
        data.forEach(function (message) {
          remember({ who: "bot", text: message.text || "", buttons: message.buttons || [] });
        });
      });
    }).catch(function (error) {
      show({ who: "error", text: error.message || "L'assistant ne répond pas pour le moment." });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    input.value = "";
    if (text) {
      send(text);
    }
  });

  restart.addEventListener("click", function () {
    conversation = newConversation();
    save();
    log.replaceChildren();
    send("", "/greet");
    input.focus();
  });

  conversation.history.forEach(show);
  if (conversation.history.length === 0) {
    send("", "/greet");
  }
}());
