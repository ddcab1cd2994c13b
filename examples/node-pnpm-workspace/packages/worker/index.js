'use strict';

console.log(require('left-pad')('worker', 10));
