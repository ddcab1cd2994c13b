'use strict';

const ms = require('ms');

exports.settings = () => ({ currency: process.env.CURRENCY || 'EUR', sessionTtlMs: ms('1h') });
