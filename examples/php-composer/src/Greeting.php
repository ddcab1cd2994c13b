<?php

declare(strict_types=1);

namespace App;

final class Greeting
{
    public function __construct(private readonly string $greeting)
    {
    }

    public function for(string $name): string
    {
        return sprintf('%s, %s!', $this->greeting, mb_convert_case($name, MB_CASE_TITLE));
    }
}
