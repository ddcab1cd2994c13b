'use strict';

const { title } = require('@acme/format');

exports.greeting = (who) => `Hello from ${title(who)}`;
