'use strict';

const escape = require('escape-html');

exports.title = (text) => escape(text.charAt(0).toUpperCase() + text.slice(1));
