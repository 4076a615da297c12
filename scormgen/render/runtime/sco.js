/*
 * scormgen SCO runtime: one course page talking to a SCORM 1.2 LMS.
 * Plain JavaScript, no dependencies, no build step. References are to the
 * SCORM 1.2 Run-Time Environment (RTE) document, section numbers as printed.
 * Comments use this block style only: shipped files must contain no URL-like text.
 */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('sco-data').textContent);

  /* ---------------------------------------------------------------------
   * Constants
   */

  /* RTE 3.3.2.1: a SCO searches its parent windows, then the opener, for "API".
     The ADL sample walks at most 7 levels; we allow a few more for nested players. */
  var MAX_PARENT_LEVELS = 10;
  /* RTE 3.4.2.9 cmi.suspend_data is CMIString4096. */
  var SUSPEND_LIMIT = 4096;
  /* RTE 3.4.4 cmi.interactions.n.student_response is CMIFeedback, at most 255 characters. */
  var RESPONSE_LIMIT = 255;
  var CUT_MARK = '\u2026';
  /* RTE 3.3.4 error codes, named for the console log. */
  var ERROR_NAMES = {
    '0': 'No error', '101': 'General exception', '201': 'Invalid argument',
    '202': 'Element cannot have children', '203': 'Element not an array',
    '301': 'Not initialized', '401': 'Not implemented', '402': 'Invalid set value (keyword)',
    '403': 'Element is read only', '404': 'Element is write only', '405': 'Incorrect data type'
  };
  var FINAL_STATUSES = { passed: true, failed: true, completed: true };
  var COMMIT_RETRIES = 3;

  function log(message) {
    if (window.console && console.warn) { console.warn('[scormgen] ' + message); }
  }

  /* ---------------------------------------------------------------------
   * Browser storage: reflections (always) and progress (when there is no LMS).
   * One key per course and learner (cmi.core.student_id), so two learners who
   * share a browser never see each other's reflections.
   */

  var memoryStore = {};
  var storage = {
    read: function (key) {
      try {
        var text = window.localStorage.getItem(key);
        return text ? JSON.parse(text) : null;
      } catch (e) {
        return memoryStore[key] ? JSON.parse(memoryStore[key]) : null;
      }
    },
    write: function (key, value) {
      var text = JSON.stringify(value);
      try {
        window.localStorage.setItem(key, text);
        return true;
      } catch (e) {
        /* Storage off or full (private windows, sandboxed frames): keep it for this visit. */
        memoryStore[key] = text;
        return false;
      }
    }
  };

  function learnerKey(learnerId) {
    return 'scormgen:' + config.course + ':' + (learnerId || 'local');
  }

  /* A stand-in for the LMS when none is found (file opened on its own, a preview):
     the same SCORM 1.2 calls, kept in localStorage. */
  function LocalApi() {
    var key = learnerKey('local');
    var record = storage.read(key) || {};
    var scos = record.scos || {};
    var saved = scos[config.sco] || {};
    var values = {
      'cmi.core.student_id': 'local',
      'cmi.core.entry': saved.exit === 'suspend' ? 'resume' : (saved.suspend ? '' : 'ab-initio'),
      'cmi.core.lesson_status': saved.status || 'not attempted',
      'cmi.core.lesson_location': saved.location || '',
      'cmi.suspend_data': saved.suspend || '',
      'cmi.student_data.mastery_score': '',
      'cmi.interactions._count': '0'
    };
    function persist() {
      var latest = storage.read(key) || {};
      latest.scos = latest.scos || {};
      latest.scos[config.sco] = {
        status: values['cmi.core.lesson_status'],
        location: values['cmi.core.lesson_location'],
        suspend: values['cmi.suspend_data'],
        exit: values['cmi.core.exit'] || '',
        score: values['cmi.core.score.raw'] || ''
      };
      storage.write(key, latest);
    }
    this.LMSInitialize = function () { return 'true'; };
    this.LMSGetValue = function (element) {
      return Object.prototype.hasOwnProperty.call(values, element) ? values[element] : '';
    };
    this.LMSSetValue = function (element, value) { values[element] = String(value); return 'true'; };
    this.LMSCommit = function () { persist(); return 'true'; };
    this.LMSFinish = function () { persist(); return 'true'; };
    this.LMSGetLastError = function () { return '0'; };
    this.LMSGetErrorString = function () { return ''; };
    this.LMSGetDiagnostic = function () { return ''; };
  }

  /* ---------------------------------------------------------------------
   * The LMS connection (pipwerks getHandle / adapt-contrib-spoor wrapper).
   */

  function isApi(candidate) {
    return !!candidate && typeof candidate.LMSInitialize === 'function';
  }

  function walkUp(win) {
    for (var level = 0; win && level <= MAX_PARENT_LEVELS; level++) {
      try {
        if (isApi(win.API)) { return win.API; }
      } catch (e) {
        /* A cross-origin frame: its API is out of reach, keep walking. */
      }
      var parent;
      try { parent = win.parent; } catch (e) { return null; }
      if (!parent || parent === win) { return null; }
      win = parent;
    }
    return null;
  }

  function discoverApi() {
    var api = walkUp(window);
    if (!api) {
      try { api = window.opener ? walkUp(window.opener) : null; } catch (e) { api = null; }
    }
    return api;
  }

  /* The LMS answers "true"/"false" as strings (RTE 3.3.3); some return booleans. */
  function isTrue(value) {
    return value === true || String(value).toLowerCase() === 'true';
  }

  var lms = {
    api: null,
    local: false,
    state: 'closed', /* closed -> open -> finished */
    cache: {},
    dirty: false,
    retries: 0,

    call: function (method, args) {
      try {
        return this.api[method].apply(this.api, args || []);
      } catch (e) {
        log(method + ' threw: ' + e);
        return 'false';
      }
    },

    reportError: function (what) {
      var code = String(this.call('LMSGetLastError'));
      if (code === '0' || code === '') { return code; }
      var text = String(this.call('LMSGetErrorString', [code]) || ERROR_NAMES[code] || '');
      var detail = String(this.call('LMSGetDiagnostic', [code]) || '');
      log(what + ' failed: LMS error ' + code + ' (' + (ERROR_NAMES[code] || text) + ')' +
          (detail ? ': ' + detail : ''));
      return code;
    },

    open: function () {
      var api = discoverApi();
      this.local = !api;
      this.api = api || new LocalApi();
      if (!isTrue(this.call('LMSInitialize', ['']))) {
        this.reportError('LMSInitialize');
        if (this.local) { return false; }
        log('falling back to this browser\'s storage');
        this.local = true;
        this.api = new LocalApi();
        this.call('LMSInitialize', ['']);
      }
      this.state = 'open';
      return true;
    },

    get: function (element) {
      if (this.state !== 'open') { return ''; }
      var value = this.call('LMSGetValue', [element]);
      value = value === null || value === undefined ? '' : String(value);
      /* "" is also what a failed call returns (RTE 3.3.3.2): only then ask why. */
      if (value === '') { this.reportError('LMSGetValue("' + element + '")'); }
      this.cache[element] = value;
      return value;
    },

    /* LMSSetValue only for a value that changed since we last read or wrote it. */
    set: function (element, value) {
      value = String(value);
      if (this.state !== 'open') { return false; }
      if (this.cache[element] === value) { return true; }
      if (isTrue(this.call('LMSSetValue', [element, value]))) {
        this.cache[element] = value;
        this.dirty = true;
        return true;
      }
      this.reportError('LMSSetValue("' + element + '")');
      return false;
    },

    /* LMSCommit only at save points, and only when something was set since the last one. */
    commit: function () {
      if (this.state !== 'open' || !this.dirty) { return true; }
      if (isTrue(this.call('LMSCommit', ['']))) {
        this.dirty = false;
        this.retries = 0;
        return true;
      }
      this.reportError('LMSCommit');
      if (this.retries < COMMIT_RETRIES) {
        this.retries += 1;
        var self = this;
        window.setTimeout(function () { self.commit(); }, 1000 * self.retries);
      }
      return false;
    },

    finish: function () {
      if (this.state !== 'open') { return; }
      this.commit();
      this.state = 'finished';
      if (!isTrue(this.call('LMSFinish', ['']))) { this.reportError('LMSFinish'); }
    }
  };

  /* ---------------------------------------------------------------------
   * Formats
   */

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = '0' + text; }
    return text;
  }

  /* RTE 3.4.2.1.11 CMITimespan: HHHH:MM:SS.SS (hours two to four digits). */
  function timespan(milliseconds) {
    var centis = Math.max(0, Math.round(milliseconds / 10));
    var hours = Math.min(9999, Math.floor(centis / 360000));
    var minutes = Math.floor(centis / 6000) % 60;
    var seconds = Math.floor(centis / 100) % 60;
    return pad(hours, 2) + ':' + pad(minutes, 2) + ':' + pad(seconds, 2) + '.' + pad(centis % 100, 2);
  }

  /* RTE 3.4.4 cmi.interactions.n.time is CMITime: HH:MM:SS, the learner's clock. */
  function clockTime(date) {
    return pad(date.getHours(), 2) + ':' + pad(date.getMinutes(), 2) + ':' + pad(date.getSeconds(), 2);
  }

  /* Characters (grapheme clusters where the browser can tell) of a text. */
  function characters(text) {
    if (window.Intl && Intl.Segmenter) {
      var parts = [];
      var segments = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text);
      for (var item of segments) { parts.push(item.segment); }
      return parts;
    }
    return Array.from(text);
  }

  /* A reflection's text as the LMS receives it in 'text' mode: one line (CMIFeedback
     in some runtimes refuses line breaks), at most 255 UTF-16 units, cut between
     characters (never inside a surrogate pair or a combined character) and marked. */
  function cutForLms(text) {
    var flat = String(text).replace(/\s+/g, ' ').trim();
    if (flat.length <= RESPONSE_LIMIT) { return { text: flat, cut: false }; }
    var kept = '';
    var parts = characters(flat);
    for (var i = 0; i < parts.length; i++) {
      if (kept.length + parts[i].length > RESPONSE_LIMIT - CUT_MARK.length) { break; }
      kept += parts[i];
    }
    return { text: kept + CUT_MARK, cut: true };
  }

  /* ---------------------------------------------------------------------
   * Suspend data (adapt-contrib-spoor SCORMSuspendData in spirit): positional,
   * no JSON, so a session's worst case is small and known at build time.
   *
   *   <format><fingerprint>|<flags>|<answer>,<answer>,...|<reflections>
   *
   * answer: "" unanswered; the chosen keys ("a", "abd", "t"); for matching one
   * response key per premise, "-" for none. flags: "f" finished, "e" end seen.
   * reflections, in page order: private mode one "1"/"0" each; text mode "-"
   * (not saved) or <length in base 36>":"<the text sent to the LMS>.
   * scormgen/suspend.py computes the worst case of this format; keep them in step.
   */

  function encodeSuspend(st) {
    var flags = (st.finished ? 'f' : '') + (st.endSeen ? 'e' : '');
    var answers = st.answers.map(function (a) { return a || ''; }).join(',');
    var reflections = st.reflections.map(function (r) {
      if (config.policy === 'text') {
        return r.saved ? r.lmsText.length.toString(36) + ':' + r.lmsText : '-';
      }
      return r.saved ? '1' : '0';
    });
    var head = config.format + config.fingerprint + '|' + flags + '|' + answers + '|';
    var encoded = head + reflections.join('');
    /* Runtime guard for CMIString4096: texts go first (they stay in this browser). */
    for (var i = reflections.length - 1; encoded.length > SUSPEND_LIMIT && i >= 0; i--) {
      if (reflections[i].length > 1) {
        reflections[i] = '-';
        encoded = head + reflections.join('');
        log('suspend_data over ' + SUSPEND_LIMIT + ' characters: reflection ' +
            config.reflections[i].id + ' left out of it');
      }
    }
    return encoded.length <= SUSPEND_LIMIT ? encoded : head.slice(0, SUSPEND_LIMIT);
  }

  function decodeSuspend(text) {
    var prefix = config.format + config.fingerprint + '|';
    if (!text || text.indexOf(prefix) !== 0) {
      if (text) { log('suspend_data from another version of this page ignored'); }
      return null;
    }
    var at = prefix.length;
    var flagsEnd = text.indexOf('|', at);
    var answersEnd = text.indexOf('|', flagsEnd + 1);
    if (flagsEnd < 0 || answersEnd < 0) { return null; }
    var flags = text.slice(at, flagsEnd);
    var answers = text.slice(flagsEnd + 1, answersEnd).split(',');
    var rest = text.slice(answersEnd + 1);
    var reflections = [];
    for (var i = 0; i < config.reflections.length; i++) {
      if (config.policy === 'text') {
        if (rest.charAt(0) === '-' || rest === '') {
          reflections.push({ saved: false, lmsText: '' });
          rest = rest.slice(1);
          continue;
        }
        var colon = rest.indexOf(':');
        var length = parseInt(rest.slice(0, colon), 36);
        if (colon < 0 || isNaN(length)) { break; }
        reflections.push({ saved: true, lmsText: rest.slice(colon + 1, colon + 1 + length) });
        rest = rest.slice(colon + 1 + length);
      } else {
        reflections.push({ saved: rest.charAt(i) === '1', lmsText: '' });
      }
    }
    return {
      finished: flags.indexOf('f') >= 0,
      endSeen: flags.indexOf('e') >= 0,
      answers: config.questions.map(function (q, n) { return answers[n] || ''; }),
      reflections: reflections
    };
  }

  /* ---------------------------------------------------------------------
   * Page state
   */

  var state = {
    answers: config.questions.map(function () { return ''; }),
    reflections: config.reflections.map(function () { return { saved: false, lmsText: '' }; }),
    finished: false,
    endSeen: false
  };
  var startedAt = Date.now();
  var learnerId = 'local';
  var interactionCount = 0;
  var masteryScore = config.mastery;
  var lastStatus = '';
  var finishAsked = false;
  var activityStart = {};

  function $(id) { return document.getElementById(id); }

  function isCorrect(question, answer) {
    if (!answer) { return false; }
    if (question.kind === 'matching') { return answer === question.correct.join(''); }
    return answer.split('').sort().join('') === question.correct.slice().sort().join('');
  }

  /* RTE 3.4.4 response formats: choice "a" or "a,b,d"; true-false "t"/"f";
     matching "<source>.<target>" pairs separated by commas. */
  function studentResponse(question, answer) {
    if (question.kind === 'matching') {
      var pairs = [];
      for (var i = 0; i < question.keys.length; i++) {
        var chosen = answer.charAt(i);
        if (chosen && chosen !== '-') { pairs.push(question.keys[i] + '.' + chosen); }
      }
      return pairs.join(',');
    }
    return answer.split('').join(',');
  }

  /* RTE 3.4.4 correct_responses.n.pattern: a multiple-answer choice lists the
     whole set in curly brackets, meaning every key must be chosen, in any order. */
  function correctPattern(question) {
    if (question.kind === 'matching') {
      return question.keys.map(function (key, i) { return key + '.' + question.correct[i]; }).join(',');
    }
    if (question.kind === 'multiple') { return '{' + question.correct.join(',') + '}'; }
    return question.correct.join(',');
  }

  function scorePercent() {
    var total = 0;
    var earned = 0;
    config.questions.forEach(function (q, i) {
      total += q.weighting;
      if (isCorrect(q, state.answers[i])) { earned += q.weighting; }
    });
    return total ? Math.round((100 * earned) / total) : 0;
  }

  function remaining() {
    var questions = state.answers.filter(function (a) { return !a; }).length;
    var required = config.reflections.filter(function (r, i) {
      return r.required && !state.reflections[i].saved;
    }).length;
    return { questions: questions, reflections: required };
  }

  /* RTE 3.4.2.1.7 cmi.core.lesson_status: incomplete while working; passed/failed
     against the mastery score once every check is answered (and any reflection
     the content marks required is saved); completed where nothing is scored. */
  function computeStatus() {
    var left = remaining();
    if (left.questions || left.reflections) { return 'incomplete'; }
    if (!config.questions.length) {
      return config.kind === 'page' || state.finished || state.endSeen ? 'completed' : 'incomplete';
    }
    if (masteryScore === null || masteryScore === undefined) { return 'completed'; }
    return scorePercent() >= masteryScore ? 'passed' : 'failed';
  }

  function currentLocation() {
    var sections = document.querySelectorAll('main section[id]');
    for (var i = 0; i < sections.length; i++) {
      var box = sections[i].getBoundingClientRect();
      if (box.bottom > 0) { return sections[i].id; }
    }
    return 'top';
  }

  /* Everything the LMS should hold, set where changed; the caller commits. */
  function record(location) {
    var status = computeStatus();
    /* Never step a finished SCO back to incomplete (e.g. suspend data lost). */
    if (!(status === 'incomplete' && FINAL_STATUSES[lastStatus])) {
      if (config.questions.length && status !== 'incomplete') {
        /* Score only once every check is answered: Moodle's and scorm-again's
           "mastery score overrides status" would otherwise fail a learner
           half-way through (RTE 3.4.2.2.1 cmi.core.score.raw). */
        lms.set('cmi.core.score.min', '0');
        lms.set('cmi.core.score.max', '100');
        lms.set('cmi.core.score.raw', String(scorePercent()));
      }
      lms.set('cmi.core.lesson_status', status);
      lastStatus = status;
    }
    if (location) { lms.set('cmi.core.lesson_location', location); }
    lms.set('cmi.suspend_data', encodeSuspend(state));
    updateProgress();
  }

  function recordInteraction(fields) {
    var n = interactionCount++;
    var base = 'cmi.interactions.' + n + '.';
    /* RTE 3.4.4: id first, so the LMS has the record before its other fields. */
    lms.set(base + 'id', fields.id);
    lms.set(base + 'type', fields.type);
    if (fields.response !== undefined) { lms.set(base + 'student_response', fields.response); }
    if (fields.pattern !== undefined) { lms.set(base + 'correct_responses.0.pattern', fields.pattern); }
    lms.set(base + 'result', fields.result);
    if (fields.weighting !== undefined) { lms.set(base + 'weighting', String(fields.weighting)); }
    lms.set(base + 'latency', timespan(fields.latency));
    lms.set(base + 'time', clockTime(new Date()));
  }

  function latencyFor(id) {
    var since = activityStart[id] || startedAt;
    delete activityStart[id];
    return Date.now() - since;
  }

  /* ---------------------------------------------------------------------
   * Reflections kept in this browser
   */

  function loadMine() {
    return storage.read(learnerKey(learnerId)) || {};
  }

  function saveMine(reflection, text) {
    var mine = loadMine();
    mine.reflections = mine.reflections || {};
    mine.reflections[reflection.id] = {
      sco: config.sco,
      title: config.title,
      order: config.order,
      index: config.reflections.indexOf(reflection),
      prompt: reflection.prompt,
      text: text,
      saved: new Date().toISOString()
    };
    return storage.write(learnerKey(learnerId), mine);
  }

  function downloadReflections() {
    var mine = loadMine().reflections || {};
    var entries = Object.keys(mine).map(function (id) { return mine[id]; });
    entries.sort(function (a, b) { return (a.order - b.order) || (a.index - b.index); });
    var lines = [config.courseTitle + ': my reflections', ''];
    if (!entries.length) { lines.push('You have not saved any reflection in this browser yet.'); }
    var lastTitle = null;
    entries.forEach(function (entry) {
      if (entry.title !== lastTitle) {
        lines.push('== ' + entry.title + ' ==', '');
        lastTitle = entry.title;
      }
      lines.push(entry.prompt, '', entry.text, '', '(saved ' + entry.saved.slice(0, 10) + ')', '');
    });
    var blob = new Blob([lines.join('\r\n')], { type: 'text/plain;charset=utf-8' });
    var link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = config.course + '-my-reflections.txt';
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 0);
  }

  /* The learner's way to take their words off a shared computer: every reflection of
     this course kept in this browser for this learner goes; what the LMS recorded
     (that a reflection was written) stays. */
  function forgetReflections(event) {
    var button = event.currentTarget;
    var question = 'Delete every reflection of this course that is kept in this browser? ' +
      'Download them first if you want to keep them.';
    if (!window.confirm(question)) { return; }
    var mine = loadMine();
    delete mine.reflections;
    storage.write(learnerKey(learnerId), mine);
    document.querySelectorAll('.reflection textarea').forEach(function (textarea) {
      textarea.value = '';
      textarea.dispatchEvent(new Event('input'));
    });
    var form = button.closest('form');
    var status = form && form.querySelector('[role="status"]');
    if (status) { status.textContent = 'Your reflections of this course were deleted from this browser.'; }
  }

  /* ---------------------------------------------------------------------
   * Knowledge checks
   */

  function readAnswer(question, form) {
    if (question.kind === 'matching') {
      var keys = question.keys.map(function (key) {
        var select = form.querySelector('select[name="' + key + '"]');
        return select && select.value ? select.value : '-';
      });
      return keys.indexOf('-') >= 0 ? null : keys.join('');
    }
    var chosen = [];
    form.querySelectorAll('input:checked').forEach(function (input) { chosen.push(input.value); });
    return chosen.length ? chosen.sort().join('') : null;
  }

  function showAnswer(question, form, answer) {
    if (question.kind === 'matching') {
      question.keys.forEach(function (key, i) {
        var select = form.querySelector('select[name="' + key + '"]');
        if (select && answer.charAt(i) !== '-') { select.value = answer.charAt(i); }
      });
      return;
    }
    form.querySelectorAll('input').forEach(function (input) {
      input.checked = answer.indexOf(input.value) >= 0;
    });
  }

  function feedbackText(question, answer) {
    var right = isCorrect(question, answer);
    var parts = [right ? 'Correct.' : 'Not quite.'];
    var general = right ? question.feedback.correct : question.feedback.wrong;
    if (general) { parts.push(general); }
    if (question.optionFeedback) {
      answer.split('').forEach(function (key) {
        if (question.optionFeedback[key]) {
          parts.push(question.labels[key] + ': ' + question.optionFeedback[key]);
        }
      });
    }
    if (!right) { parts.push('You can change your answer and check it again.'); }
    return parts.join(' ');
  }

  function setFeedback(form, question, answer) {
    var region = form.querySelector('.feedback');
    var right = isCorrect(question, answer);
    region.className = 'feedback ' + (right ? 'feedback-correct' : 'feedback-wrong');
    region.textContent = feedbackText(question, answer);
  }

  function onQuestionSubmit(question, index, form, event) {
    event.preventDefault();
    var region = form.querySelector('.feedback');
    if (lms.state === 'finished') {
      region.className = 'feedback';
      region.textContent = 'This session is finished. Open it again from your course to change an answer.';
      return;
    }
    var answer = readAnswer(question, form);
    if (!answer) {
      region.className = 'feedback';
      region.textContent = question.kind === 'matching'
        ? 'Choose an answer for every item, then check your answer.'
        : 'Choose an answer, then check it.';
      return;
    }
    state.answers[index] = answer;
    var right = isCorrect(question, answer);
    recordInteraction({
      id: question.id,
      type: question.type,
      response: studentResponse(question, answer),
      pattern: correctPattern(question),
      result: right ? 'correct' : 'wrong',
      weighting: question.weighting,
      latency: latencyFor('q-' + question.id)
    });
    record('q-' + question.id);
    lms.commit();
    setFeedback(form, question, answer);
  }

  /* ---------------------------------------------------------------------
   * Reflections
   */

  function updateCounter(reflection, textarea) {
    var counter = $('r-' + reflection.id + '-count');
    counter.textContent = textarea.value.length + ' of ' + reflection.max + ' characters';
  }

  function onReflectionSubmit(reflection, index, form, event) {
    event.preventDefault();
    var textarea = form.querySelector('textarea');
    var status = $('r-' + reflection.id + '-status');
    var text = textarea.value;
    if (!text.trim()) {
      status.textContent = 'Write something before saving.';
      return;
    }
    var kept = saveMine(reflection, text);
    var message = [kept ? 'Saved in this browser.' : 'Saved for this visit only: this browser does not allow storage, so download your reflections before you leave.'];
    if (lms.state === 'open') {
      var sent = config.policy === 'text' ? cutForLms(text) : null;
      state.reflections[index] = { saved: true, lmsText: sent ? sent.text : '' };
      /* Private mode: the LMS learns only that a reflection was done: a fill-in
         interaction with result neutral and no student_response (RTE 3.4.4). */
      recordInteraction({
        id: reflection.id,
        type: 'fill-in',
        response: sent ? sent.text : undefined,
        result: 'neutral',
        latency: latencyFor('r-' + reflection.id)
      });
      record('r-' + reflection.id);
      lms.commit();
      if (!lms.local) {
        if (!sent) {
          message.push('The learning management system recorded that you wrote a reflection, not what you wrote.');
        } else if (sent.cut) {
          message.push('Its first 254 characters were sent to the learning management system, marked as cut.');
        } else {
          message.push('It was also sent to the learning management system.');
        }
      }
    } else {
      message.push('This session is finished, so the learning management system was not told.');
    }
    status.textContent = message.join(' ');
  }

  /* ---------------------------------------------------------------------
   * Progress, finishing and leaving
   */

  function updateProgress() {
    var summary = $('progress-summary');
    if (!summary) { return; }
    var parts = [];
    var answered = state.answers.filter(function (a) { return a; }).length;
    if (config.questions.length) {
      parts.push('Knowledge checks answered: ' + answered + ' of ' + config.questions.length + '.');
      if (!remaining().questions) { parts.push('Your score: ' + scorePercent() + '%.'); }
    }
    var required = config.reflections.filter(function (r) { return r.required; });
    if (required.length) {
      var saved = config.reflections.filter(function (r, i) {
        return r.required && state.reflections[i].saved;
      }).length;
      parts.push('Required reflections saved: ' + saved + ' of ' + required.length + '.');
    }
    var status = computeStatus();
    var words = {
      passed: 'You have passed this session.', failed: 'You have not reached the pass mark yet: you can change your answers.',
      completed: 'You have completed this session.', incomplete: ''
    };
    if (words[status]) { parts.push(words[status]); }
    summary.textContent = parts.join(' ') || 'There is nothing to answer in this part of the course.';
  }

  function leave(location) {
    if (lms.state !== 'open') { return; }
    record(location || currentLocation());
    /* RTE 3.4.2.1.9 cmi.core.exit: "suspend" when the learner leaves unfinished, so
       the LMS offers resume (Moodle sets entry "resume" only after exit "suspend");
       "" when done. session_time (3.4.2.1.11) is written once, at the end. */
    lms.set('cmi.core.exit', FINAL_STATUSES[lastStatus] ? '' : 'suspend');
    lms.set('cmi.core.session_time', timespan(Date.now() - startedAt));
    lms.finish();
  }

  function onFinish() {
    var status = $('finish-status');
    if (lms.state !== 'open') {
      status.textContent = 'This session is already finished. You can close this window.';
      return;
    }
    var left = remaining();
    if ((left.questions || left.reflections) && !finishAsked) {
      finishAsked = true;
      var what = [];
      if (left.questions) { what.push(left.questions + ' knowledge check' + (left.questions > 1 ? 's' : '') + ' unanswered'); }
      if (left.reflections) { what.push(left.reflections + ' required reflection' + (left.reflections > 1 ? 's' : '') + ' not saved'); }
      status.textContent = 'You have ' + what.join(' and ') + '. Press Finish again to leave now and come back later: your progress is saved.';
      return;
    }
    state.finished = true;
    leave('finish');
    status.textContent = FINAL_STATUSES[lastStatus]
      ? 'You have finished this session. You can close this window or go on to the next session.'
      : 'Your progress is saved. Open this session again from your course to carry on.';
    document.querySelectorAll('.question-form button[type="submit"]').forEach(function (button) {
      button.disabled = true;
    });
  }

  /* ---------------------------------------------------------------------
   * Start
   */

  function restore(saved, location) {
    if (saved) {
      state.finished = saved.finished;
      state.endSeen = saved.endSeen;
      state.answers = saved.answers;
      saved.reflections.forEach(function (r, i) { state.reflections[i] = r; });
    }
    var mine = loadMine().reflections || {};
    config.questions.forEach(function (question, i) {
      var form = document.querySelector('form[data-question="' + question.id + '"]');
      if (form && state.answers[i]) {
        showAnswer(question, form, state.answers[i]);
        setFeedback(form, question, state.answers[i]);
      }
    });
    config.reflections.forEach(function (reflection, i) {
      var textarea = $('r-' + reflection.id + '-text');
      var status = $('r-' + reflection.id + '-status');
      var local = mine[reflection.id];
      if (local && local.sco === config.sco) {
        textarea.value = local.text;
        status.textContent = 'Your saved reflection, from this browser.';
      } else if (state.reflections[i].saved && state.reflections[i].lmsText) {
        textarea.value = state.reflections[i].lmsText;
        status.textContent = 'Your reflection as the learning management system holds it (the full text stays in the browser you wrote it in).';
      } else if (state.reflections[i].saved) {
        status.textContent = 'You saved a reflection here in another browser; its text stays there.';
      }
      updateCounter(reflection, textarea);
    });
    var target = location && location !== 'top' ? $(location) : null;
    if (target) {
      target.scrollIntoView();
      if (target.tabIndex < 0) { target.focus({ preventScroll: true }); }
    }
    return !!(saved || target);
  }

  function wire() {
    config.questions.forEach(function (question, i) {
      var form = document.querySelector('form[data-question="' + question.id + '"]');
      if (!form) { return; }
      form.addEventListener('submit', onQuestionSubmit.bind(null, question, i, form));
      form.addEventListener('change', function () {
        if (!activityStart['q-' + question.id]) { activityStart['q-' + question.id] = Date.now(); }
      });
    });
    config.reflections.forEach(function (reflection, i) {
      var form = document.querySelector('form[data-reflection="' + reflection.id + '"]');
      if (!form) { return; }
      var textarea = form.querySelector('textarea');
      form.addEventListener('submit', onReflectionSubmit.bind(null, reflection, i, form));
      textarea.addEventListener('input', function () {
        if (!activityStart['r-' + reflection.id]) { activityStart['r-' + reflection.id] = Date.now(); }
        updateCounter(reflection, textarea);
      });
    });
    document.querySelectorAll('[data-action="download-reflections"]').forEach(function (button) {
      button.addEventListener('click', downloadReflections);
    });
    document.querySelectorAll('[data-action="forget-reflections"]').forEach(function (button) {
      button.addEventListener('click', forgetReflections);
    });
    var finishButton = $('finish-button');
    if (finishButton) { finishButton.addEventListener('click', onFinish); }

    /* Leaving: LMSFinish exactly once, on whichever of these comes first. */
    window.addEventListener('pagehide', function () { leave(); });
    window.addEventListener('beforeunload', function () { leave(); });
    /* Hidden tab or closed lid: commit what changed, the page may never come back. */
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden' && lms.state === 'open') {
        record(currentLocation());
        lms.commit();
      }
    });

    var end = $('finish');
    if (end && window.IntersectionObserver && !config.questions.length) {
      var observer = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; }) && !state.endSeen) {
          state.endSeen = true;
          observer.disconnect();
          if (lms.state === 'open') {
            record(null);
            lms.commit();
          }
        }
      });
      observer.observe(end);
    }
  }

  function start() {
    /* Notes for a copy of the page shown without this script (Moodle imports a
       cartridge's HTML pages as Page text, with scripts and forms removed): the
       script runs here, so they do not apply. */
    document.querySelectorAll('[data-without-script]').forEach(function (note) {
      note.parentNode.removeChild(note);
    });
    lms.open();
    learnerId = lms.get('cmi.core.student_id') || 'local';
    var entry = lms.get('cmi.core.entry');
    lastStatus = lms.get('cmi.core.lesson_status');
    if (config.mastery !== null) {
      /* RTE 3.4.2.6.1: the LMS's mastery score (from the manifest) wins; fall back
         to the one built into the page when the LMS has none. */
      var fromLms = parseFloat(lms.get('cmi.student_data.mastery_score'));
      if (!isNaN(fromLms)) { masteryScore = fromLms; }
    }
    var saved = null;
    var location = '';
    /* RTE 3.4.2.1.5 cmi.core.entry: "ab-initio" is a first attempt with nothing to restore. */
    if (entry !== 'ab-initio') {
      saved = decodeSuspend(lms.get('cmi.suspend_data'));
      location = lms.get('cmi.core.lesson_location');
    }
    /* Interactions are journaled (RTE 3.4.4): append after what the LMS holds. */
    interactionCount = parseInt(lms.get('cmi.interactions._count'), 10) || 0;

    var notice = $('lms-notice');
    var resumed = restore(saved, location);
    if (lms.local) {
      notice.textContent = 'No learning management system found: your progress is kept in this browser only.';
      notice.hidden = false;
    } else if (resumed) {
      notice.textContent = 'Welcome back: your answers and place are restored.';
      notice.hidden = false;
    }
    if (!FINAL_STATUSES[lastStatus]) {
      lms.set('cmi.core.lesson_status', 'incomplete');
      lastStatus = 'incomplete';
    }
    if (config.kind === 'page' && computeStatus() === 'completed') {
      record(null);
      lms.commit();
    }
    updateProgress();
    wire();
  }

  /* For the test suite and the preview: read-only views of the runtime. */
  window.scormgenSco = {
    encodeSuspend: encodeSuspend,
    decodeSuspend: decodeSuspend,
    cutForLms: cutForLms,
    timespan: timespan,
    state: function () { return JSON.parse(JSON.stringify(state)); },
    lmsMode: function () { return lms.local ? 'local' : 'lms'; }
  };

  start();
}());
