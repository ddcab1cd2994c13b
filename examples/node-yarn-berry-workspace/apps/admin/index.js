'use strict';

const leftPad = require('left-pad');

console.log(leftPad('admin', 10));
